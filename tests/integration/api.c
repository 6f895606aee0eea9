/* api.c - the public API through libpipar.so, with only <pipar.h>: a
 * profile connection (and the error for a profile without a cluster),
 * push and pull, iteration in completion order and the tasks' metadata,
 * a balanced map with chunksize.  api.sh starts the cluster (2 engines).
 *
 * usage: api PROFILE */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_no_cluster(void)
{
    pp_error err;
    pp_client *c = pp_client_connect_profile("nobody", 2, &err);
    CHECK(c == NULL && err.code == PP_ENOENT, "profile without a cluster");
    CHECK(strstr(err.msg, "profile_nobody/security/client.json") != NULL,
          "error names the file: %s", err.msg);
}

static void test_push_pull(pp_client *c)
{
    pp_error err;
    pp_view *all = pp_client_direct(c, NULL, 0, &err);
    CHECK(all != NULL, "direct view: %s", err.msg);
    if (!all)
        return;
    const int64_t items[3] = { 7, 8, 9 };
    pp_value a;
    pp_value_i64(&a, items, 3);
    CHECK(pp_view_push(all, "a", &a, &err) == 0, "push: %s", err.msg);
    pp_values got;
    CHECK(pp_view_pull(all, "a", &got, &err) == 0, "pull: %s", err.msg);
    CHECK(got.n == 2, "pull: %zu values, not 2", got.n);
    for (size_t p = 0; p < got.n; p++)
        CHECK(got.v[p].type == PP_T_I64 && got.v[p].size == a.size
                  && memcmp(got.v[p].data, items, sizeof items) == 0,
              "pull: engine %zu's value differs", p);
    pp_values_free(&got);
    CHECK(pp_view_pull(all, "missing", &got, &err) == PP_EREMOTE
              && strstr(err.msg, "no variable 'missing'") && got.n == 0,
          "pull of a missing name: %d %s", err.code, err.msg);
    pp_value_free(&a);
    pp_view_destroy(&all);
}

/* A slow task on engine 0 sent first, a quick one on engine 1 second:
 * completion order is 1 then 0, whatever order they were sent in. */
static void test_completion_order(pp_client *c)
{
    pp_error err;
    const int64_t e0 = 0, e1 = 1;
    pp_view *v0 = pp_client_direct(c, &e0, 1, &err);
    pp_view *v1 = pp_client_direct(c, &e1, 1, &err);
    pp_async *a = NULL;
    pp_value vals[1];
    const double slow = 0.5;
    pp_value_f64(&vals[0], &slow, 1);
    CHECK(pp_view_submit(v0, &a, "sleep", vals, 1, &err) == 0, "%s",
          err.msg);
    pp_value_str(&vals[0], "quick");
    CHECK(pp_view_submit(v1, &a, "echo", vals, 1, &err) == 0, "%s",
          err.msg);
    size_t order[2] = { 9, 9 }, i, n = 0;
    int rc;
    while ((rc = pp_async_next(a, &i, 10, &err)) > 0 && n < 2)
        order[n++] = i;
    CHECK(rc == 0 && n == 2, "next: rc %d after %zu tasks (%s)", rc, n,
          err.msg);
    CHECK(order[0] == 1 && order[1] == 0, "completion order %zu, %zu",
          order[0], order[1]);
    CHECK(pp_async_next(a, &i, 0, &err) == 0, "next after the end");
    for (size_t t = 0; t < 2; t++) {
        const pp_task_meta *m = pp_async_meta(a, t);
        CHECK(m->engine == (int32_t)t && m->status == 0,
              "task %zu: engine %d, status %d", t, m->engine, m->status);
        CHECK(m->submitted > 0 && m->submitted <= m->completed
                  && m->started <= m->completed,
              "task %zu: times out of order", t);
    }
    const pp_task_meta *m0 = pp_async_meta(a, 0);
    CHECK(m0->completed - m0->started >= 400000000,
          "sleep 0.5 ran %.3f s", (m0->completed - m0->started) / 1e9);
    pp_async_destroy(&a);
    pp_view_destroy(&v0);
    pp_view_destroy(&v1);
}

static void test_balanced_map(pp_client *c)
{
    pp_error err;
    pp_view *lv = pp_client_balanced(c, &err);
    int64_t x[64];
    for (int i = 0; i < 64; i++)
        x[i] = i;
    pp_value seq;
    pp_value_borrow(&seq, PP_T_I64, x, sizeof x);
    pp_async *a = pp_view_map_async(lv, "powers", &seq, 10, NULL, 0, &err);
    CHECK(a && pp_async_len(a) == 7, "map: 7 tasks of up to 10 items");
    if (!a)
        return;
    size_t seen = 0, i;
    bool got[7] = { false };
    int rc;
    while ((rc = pp_async_next(a, &i, 10, &err)) > 0) {
        CHECK(i < 7 && !got[i], "task %zu twice or out of range", i);
        if (i < 7)
            got[i] = true;
        seen++;
        CHECK(pp_async_progress(a) >= seen, "progress behind next");
    }
    CHECK(rc == 0 && seen == 7, "map: %zu tasks seen, rc %d", seen, rc);
    pp_value y;
    CHECK(pp_async_gather(a, &y, &err) == 0 && pp_value_count(&y) == 64,
          "gather: %s", err.msg);
    int64_t p = 1;
    for (int k = 0; k < 10; k++)
        p *= 63;
    CHECK(pp_value_i64s(&y)[63] == p && pp_value_i64s(&y)[2] == 1024,
          "63**10");
    pp_value_free(&y);
    pp_async_destroy(&a);
    pp_view_destroy(&lv);
}

/* Reads a module source next to this test (tests/integration/modules). */
static char *read_source(const char *dir, const char *file, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(PP_MODULE_SOURCE_MAX) : NULL;
    *len = buf ? fread(buf, 1, PP_MODULE_SOURCE_MAX, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

/* A module through the API: loaded on both engines (compiled, or the
 * cache the two engines of this machine share; then unchanged), run by name, a compile error's messages per engine with
 * nothing loaded, unloaded with the `unload` task. */
static void test_load_module(pp_client *c, const char *dir)
{
    pp_error err;
    char name[PP_MODULE_NAME_MAX + 1];
    CHECK(pp_module_name("some/dir/sq.c", name, &err) == 0
              && strcmp(name, "sq") == 0,
          "module name: %s", name);
    CHECK(pp_module_name("x y.c", name, &err) == PP_EINVAL
              && strstr(err.msg, "'x y.c' does not name a module") != NULL,
          "bad module name: %s", err.msg);
    pp_view *all = pp_client_direct(c, NULL, 0, &err);
    CHECK(all != NULL, "direct view: %s", err.msg);
    size_t len;
    char *src = read_source(dir, "sq.c", &len);
    CHECK(src && len > 0, "read sq.c");
    pp_module_report *r = NULL;
    for (int round = 0; round < 2; round++) {
        CHECK(pp_view_load_module(all, "sq", "sq.c", src, len, &r, &err)
                  == 0,
              "load sq.c: %s", err.msg);
        CHECK(r && r->n == 2, "report of 2 engines");
        for (size_t i = 0; r && i < r->n; i++)
            CHECK(r->engines[i].engine == (int64_t)i
                      && (round ? r->engines[i].state
                                      == PP_MODULE_UNCHANGED
                                : r->engines[i].state == PP_MODULE_COMPILED
                                      || r->engines[i].state
                                             == PP_MODULE_CACHED)
                      && r->engines[i].messages == NULL,
                  "round %d, engine %zu: state %d", round, i,
                  r ? (int)r->engines[i].state : -1);
        CHECK(r && strcmp(r->workloads, "square sum_range nothing") == 0,
              "workloads '%s'", r ? r->workloads : "");
        CHECK(r && r->unchanged == (round == 1) && !r->replaced,
              "round %d: unchanged %d", round, r ? r->unchanged : -1);
        pp_module_report_free(&r);
        CHECK(r == NULL, "report freed");
    }
    free(src);
    int64_t x[3] = { 3, -4, 1000000 };
    pp_value arg;
    pp_value_i64(&arg, x, 3);
    pp_async *a = NULL;
    CHECK(pp_view_apply(all, "square", &arg, 1, &a, &err) == 0,
          "apply square: %s", err.msg);
    for (size_t i = 0; a && i < pp_async_len(a); i++) {
        const pp_values *vals;
        CHECK(pp_async_result(a, i, &vals, &err) == 0 && vals->n == 1
                  && pp_value_count(&vals->v[0]) == 3
                  && pp_value_i64s(&vals->v[0])[0] == 9
                  && pp_value_i64s(&vals->v[0])[1] == 16
                  && pp_value_i64s(&vals->v[0])[2] == 1000000000000,
              "square on engine %zu", i);
    }
    pp_async_destroy(&a);
    pp_value_free(&arg);

    src = read_source(dir, "bad.c", &len);
    CHECK(pp_view_load_module(all, "bad", "bad.c", src, len, &r, &err)
              == PP_EINVAL,
          "bad.c loaded");
    CHECK(strcmp(err.msg, "load: nothing was loaded: bad.c did not "
                          "compile on engine 0; bad.c did not compile on "
                          "engine 1") == 0,
          "bad.c: %s", err.msg);
    for (size_t i = 0; r && i < r->n; i++)
        CHECK(r->engines[i].state == PP_MODULE_FAILED
                  && r->engines[i].messages
                  && strstr(r->engines[i].messages, "bad.c:3:") != NULL,
              "engine %zu: the compiler's bad.c:3:", i);
    CHECK(r != NULL, "a report of the failed load");
    pp_module_report_free(&r);
    free(src);
    CHECK(pp_view_apply(all, "badwork", NULL, 0, &a, &err) == PP_EREMOTE,
          "badwork runs");
    pp_async_destroy(&a);

    pp_value mod;
    pp_value_str(&mod, "sq");
    CHECK(pp_view_apply(all, "unload", &mod, 1, &a, &err) == 0,
          "unload: %s", err.msg);
    pp_async_destroy(&a);
    CHECK(pp_view_apply(all, "square", &arg, 0, &a, &err) == PP_EREMOTE
              && strstr(err.msg, "no workload named 'square'") != NULL,
          "square after unload: %s", err.msg);
    pp_async_destroy(&a);
    pp_value_free(&mod);
    pp_view_destroy(&all);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: api PROFILE MODULES_DIR\n");
        return 2;
    }
    test_no_cluster();
    pp_error err;
    pp_client *c = pp_client_connect_profile(argv[1], 10, &err);
    if (!c) {
        fprintf(stderr, "FAIL: connect: %s\n", err.msg);
        return 1;
    }
    int64_t *ids = NULL;
    size_t n = 0;
    CHECK(pp_client_ids(c, &ids, &n, &err) == 0 && n == 2 && ids[0] == 0
              && ids[1] == 1,
          "ids: %zu engines", n);
    free(ids);
    test_push_pull(c);
    test_completion_order(c);
    test_balanced_map(c);
    test_load_module(c, argv[2]);
    pp_client_destroy(&c);
    CHECK(c == NULL, "destroy sets the pointer to NULL");
    return failures ? 1 : 0;
}
