/* abort.c - aborting tasks through the public API (<pipar.h>,
 * libpipar.so), on a cluster abort.sh starts: 2 engines, each task taking
 * a while (engine --task-delay), --hwm 1, so two tasks run and the rest
 * wait in the controller.
 *
 * usage: abort map CLIENT_JSON N        a long map, aborted midway
 *        abort deps CLIENT_JSON         dependents of aborted tasks
 *        abort split CLIENT_JSON N      N tasks on no engine, all aborted
 *        abort kill CLIENT_JSON N PID   engine PID killed as the abort goes
 *        abort queued CLIENT_JSON N     one engine holding 3 (--hwm 3)
 *        abort stopped-brief|stopped-long CLIENT_JSON N
 *                                       the same, the engine hung as the
 *                                       abort goes (0.3 s, 2 s)
 *        abort gone CLIENT_JSON N FILE  submits, creates FILE, waits for
 *                                       FILE.go, then aborts with a patience
 *                                       of 2 s (abort.sh stops or kills the
 *                                       controller in between) */
#include <pipar.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define ABORTED_TEXT "aborted before it ran"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A balanced map of echo over [0, n), one item a task. */
static pp_async *long_map(pp_client *c, pp_view **v, size_t n, int retries)
{
    pp_error err;
    *v = pp_client_balanced(c, &err);
    CHECK(*v != NULL, "balanced view: %s", err.msg);
    if (!*v)
        return NULL;
    pp_task_opts flags = { .retries = retries };
    CHECK(pp_view_set_flags(*v, &flags, &err) == 0, "flags: %s", err.msg);
    int64_t *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = (int64_t)i;
    pp_value seq;
    pp_value_i64(&seq, x, n);
    free(x);
    pp_async *a = pp_view_map_async(*v, "echo", &seq, 1, NULL, 0, &err);
    pp_value_free(&seq);
    CHECK(a != NULL, "map: %s", err.msg);
    return a;
}

/* Waits until at least k tasks of a are done. */
static void await_done(pp_async *a, size_t k)
{
    double until = now_s() + 20;
    while (pp_async_progress(a) < k && now_s() < until)
        usleep(10000);
    CHECK(pp_async_progress(a) >= k, "only %zu tasks done in 20 s",
          pp_async_progress(a));
}

/* After the wait: every task ended, either with its item or aborted. */
static void count_ends(pp_async *a, size_t *ok, size_t *aborted,
                       size_t *other)
{
    *ok = *aborted = *other = 0;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error err;
        int rc = pp_async_result(a, i, &vals, &err);
        int64_t want = (int64_t)i;
        if (rc == 0 && vals->n == 1 && vals->v[0].size == sizeof want
            && pp_value_i64s(&vals->v[0])[0] == want)
            (*ok)++;
        else if (rc == PP_EABORTED && strcmp(err.msg, ABORTED_TEXT) == 0
                 && pp_async_meta(a, i)->status == PP_EABORTED)
            (*aborted)++;
        else {
            (*other)++;
            fprintf(stderr, "task %zu: %d %s\n", i, rc, rc ? err.msg : "");
        }
    }
}

/* A count of the whole cluster's in the status (the engines' own, such
 * as their tasks_done, come before tasks_queued). */
static long long status_field(pp_client *c, const char *key)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(c, &json, &err)) {
        CHECK(0, "status: %s", err.msg);
        return -1;
    }
    char needle[64];
    snprintf(needle, sizeof needle, "\"%s\":", key);
    const char *whole = strstr(json, "\"tasks_queued\":");
    const char *at = whole ? strstr(whole, needle) : NULL;
    long long v = at ? atoll(at + strlen(needle)) : -1;
    free(json);
    return v;
}

static void test_map(pp_client *c, size_t n)
{
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 0);
    if (!a)
        return;
    await_done(a, 2);
    size_t pending = n - pp_async_progress(a);
    pp_abort_counts k;
    pp_error err;
    CHECK(pp_async_abort(a, &k, &err) == 0, "abort: %s", err.msg);
    /* hwm 1, two engines, both busy: exactly two were at an engine. */
    CHECK(k.running == 2, "%zu running at the abort, not 2", k.running);
    CHECK(k.aborted + k.running + k.unknown == pending,
          "%zu aborted + %zu running + %zu unknown != %zu pending",
          k.aborted, k.running, k.unknown, pending);
    CHECK(k.aborted > 0, "nothing aborted");
    /* The aborted ones are failed by the time the answer is in. */
    CHECK(pp_async_progress(a) >= n - k.running,
          "%zu done after the abort; %zu expected at least",
          pp_async_progress(a), n - k.running);
    CHECK(status_field(c, "tasks_queued") == 0, "tasks still queued");
    /* A task sent to an engine just before the abort, not started yet
     * when the engine read the abort, is skipped there: aborted too (up
     * to k.running more than the answer's count). */
    long long st_aborted = status_field(c, "tasks_aborted");
    CHECK(st_aborted >= (long long)k.aborted
              && st_aborted <= (long long)(k.aborted + k.running),
          "the status's tasks_aborted is %lld, not %zu to %zu", st_aborted,
          k.aborted, k.aborted + k.running);
    /* This client's progress on the status page (the cluster has one):
     * the aborted ones count as failed, the others done or running. */
    long long done = status_field(c, "done");
    long long failed = status_field(c, "failed");
    CHECK(failed >= (long long)k.aborted
              && failed <= (long long)(k.aborted + k.running),
          "the status page's failed is %lld, not %zu to %zu", failed,
          k.aborted, k.aborted + k.running);
    CHECK(done >= (long long)(n - k.aborted - k.running)
              && done <= (long long)(n - k.aborted),
          "the status page's done is %lld, not %zu to %zu", done,
          n - k.aborted - k.running, n - k.aborted);
    double t0 = now_s();
    CHECK(pp_async_wait(a, 20, &err) == 0, "wait: %s", err.msg);
    double waited = now_s() - t0;
    size_t ok, aborted, other;
    count_ends(a, &ok, &aborted, &other);
    CHECK(aborted >= k.aborted && aborted <= k.aborted + k.running
              && ok == n - aborted && other == 0,
          "%zu ok, %zu aborted, %zu other; want %zu to %zu aborted, the "
          "rest ok", ok, aborted, other, k.aborted, k.aborted + k.running);
    CHECK(status_field(c, "tasks_outstanding") == 0, "tasks outstanding");
    /* Nothing left: a second abort sends nothing and finds nothing. */
    pp_abort_counts again;
    CHECK(pp_async_abort(a, &again, &err) == 0 && again.aborted == 0
              && again.running == 0 && again.unknown == 0,
          "second abort: %zu %zu %zu", again.aborted, again.running,
          again.unknown);
    CHECK(pp_client_abort_all(c, &again, &err) == 0 && again.aborted == 0
              && again.running == 0 && again.unknown == 0,
          "abort all: %zu %zu %zu (%s)", again.aborted, again.running,
          again.unknown, err.msg);
    printf("map of %zu: %zu aborted, %zu ran (2 at an engine at the "
           "abort, finished %.2f s later)\n",
           n, aborted, ok, waited);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* A map longer than one ABORT names (65,536 ids, or fewer where the
 * controller takes smaller frames) on a cluster with no engine: the
 * client splits the abort in several requests, and the counts add up to
 * every task, each aborted once. */
static void test_split(pp_client *c, size_t n)
{
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 0);
    if (!a)
        return;
    pp_abort_counts k;
    pp_error err;
    CHECK(pp_async_abort(a, &k, &err) == 0, "abort: %s", err.msg);
    CHECK(k.aborted == n && k.running == 0 && k.unknown == 0,
          "%zu aborted, %zu running, %zu unknown; want %zu aborted",
          k.aborted, k.running, k.unknown, n);
    CHECK(pp_async_ready(a), "not every task ended by the answer");
    size_t ok, aborted, other;
    count_ends(a, &ok, &aborted, &other);
    CHECK(aborted == n && ok == 0 && other == 0,
          "%zu ok, %zu aborted, %zu other", ok, aborted, other);
    CHECK(status_field(c, "tasks_aborted") == (long long)n,
          "the status's tasks_aborted is not %zu", n);
    CHECK(status_field(c, "tasks_outstanding") == 0, "tasks outstanding");
    printf("split: %zu tasks aborted\n", aborted);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* One echo task on the balanced view into *a, with after (or none). */
static uint64_t submit_one(pp_view *v, pp_async **a, int64_t x,
                           const uint64_t *after)
{
    pp_error err;
    pp_task_opts flags = { .after = after, .nafter = after ? 1 : 0 };
    CHECK(pp_view_set_flags(v, &flags, &err) == 0, "flags: %s", err.msg);
    pp_value arg;
    pp_value_i64(&arg, &x, 1);
    CHECK(pp_view_submit(v, a, "echo", &arg, 1, &err) == 0, "submit: %s",
          err.msg);
    return pp_async_task_id(*a, pp_async_len(*a) - 1);
}

#define BUSY 62

static void test_deps(pp_client *c)
{
    /* 2 run and 60 wait ahead of q and x1 (3 s of work): a client starved
     * of CPU for a while between its submissions and its aborts must
     * still find them queued (with 2 waiting, 0.2 s was the margin). */
    pp_view *busy_v;
    pp_async *busy = long_map(c, &busy_v, BUSY, 0);
    pp_error err;
    pp_view *v = pp_client_balanced(c, &err);
    if (!busy || !v) {
        CHECK(0, "views: %s", err.msg);
        return;
    }
    /* q waits in the controller; d, in another result, waits here for q. */
    pp_async *q = NULL, *d = NULL, *x = NULL;
    uint64_t qid = submit_one(v, &q, 3, NULL);
    submit_one(v, &d, 4, &qid);
    /* x1 waits in the controller, x2 (after x1) here: both are x's. */
    uint64_t x1 = submit_one(v, &x, 5, NULL);
    submit_one(v, &x, 6, &x1);

    pp_abort_counts k;
    CHECK(pp_async_abort(q, &k, &err) == 0, "abort q: %s", err.msg);
    CHECK(k.aborted == 1 && k.running == 0 && k.unknown == 0,
          "abort q: %zu %zu %zu", k.aborted, k.running, k.unknown);
    CHECK(pp_async_wait(d, 20, &err) == 0, "wait d: %s", err.msg);
    const pp_values *vals;
    int rc = pp_async_result(d, 0, &vals, &err);
    char want[200];
    snprintf(want, sizeof want,
             "depends on task %016llx, which failed: " ABORTED_TEXT,
             (unsigned long long)qid);
    CHECK(rc == PP_EREMOTE && strcmp(err.msg, want) == 0,
          "the dependent: %d %s", rc, rc ? err.msg : "ran");

    CHECK(pp_async_abort(x, &k, &err) == 0, "abort x: %s", err.msg);
    CHECK(k.aborted == 2 && k.running == 0 && k.unknown == 0,
          "abort x: %zu %zu %zu", k.aborted, k.running, k.unknown);
    CHECK(pp_async_ready(x), "x not done after its abort");
    for (size_t i = 0; i < 2; i++) {
        rc = pp_async_result(x, i, &vals, &err);
        CHECK(rc == PP_EABORTED && strcmp(err.msg, ABORTED_TEXT) == 0,
              "x task %zu: %d %s", i, rc, rc ? err.msg : "ran");
    }
    /* The others' tasks are untouched: each ends with its item, or with
     * the abort that ends the test without waiting for them all. */
    CHECK(pp_async_abort(busy, &k, &err) == 0, "abort busy: %s", err.msg);
    CHECK(pp_async_wait(busy, 20, &err) == 0, "wait busy: %s", err.msg);
    size_t ok, aborted, other;
    count_ends(busy, &ok, &aborted, &other);
    CHECK(aborted >= k.aborted && aborted <= k.aborted + k.running
              && ok + aborted == BUSY && other == 0 && ok >= 2,
          "the busy map: %zu ok, %zu aborted (the answer said %zu), %zu "
          "other", ok, aborted, k.aborted, other);
    printf("deps: the dependent failed naming the aborted task; a held "
           "task of the aborted result was aborted too\n");
    pp_async_destroy(&q);
    pp_async_destroy(&d);
    pp_async_destroy(&x);
    pp_async_destroy(&busy);
    pp_view_destroy(&busy_v);
    pp_view_destroy(&v);
}

/* Engine pid killed just before the abort: its task was at an engine
 * (running).  Killed before the abort was read, it is queued again and
 * aborted with the rest; after, it is not run again elsewhere and ends
 * "aborted (engine N died ... before it finished)".  Every task ends
 * either way. */
static void test_kill(pp_client *c, size_t n, pid_t pid)
{
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 1);
    if (!a)
        return;
    await_done(a, 2);
    pp_abort_counts k;
    pp_error err;
    CHECK(kill(pid, SIGKILL) == 0, "kill %d", (int)pid);
    CHECK(pp_async_abort(a, &k, &err) == 0, "abort: %s", err.msg);
    CHECK(pp_async_wait(a, 20, &err) == 0, "wait: %s", err.msg);
    size_t ok, aborted, other, lost = 0;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        if (pp_async_result(a, i, &vals, &err) == PP_EABORTED
            && strncmp(err.msg, "aborted (engine ", 16) == 0
            && strstr(err.msg, " before it finished)"))
            lost++;
    }
    count_ends(a, &ok, &aborted, &other);
    CHECK(aborted == k.aborted && ok + aborted + lost == n
              && other == lost && lost <= 1,
          "%zu ok, %zu aborted (the answer said %zu), %zu with the engine, "
          "%zu other", ok, aborted, k.aborted, lost, other);
    CHECK(status_field(c, "tasks_outstanding") == 0, "tasks outstanding");
    printf("kill: %zu aborted, %zu ran, the killed engine's task among "
           "them\n", aborted, ok);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* The controller stops answering between submission and abort: the
 * abort fails in one line within its patience, and does not hang. */
static void test_gone(pp_client *c, size_t n, const char *file)
{
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 0);
    if (!a)
        return;
    await_done(a, 1);
    FILE *f = fopen(file, "w");
    if (f)
        fclose(f);
    char go[512];
    snprintf(go, sizeof go, "%s.go", file);
    double until = now_s() + 20;
    while (access(go, F_OK) != 0 && now_s() < until)
        usleep(10000);
    pp_client_set_patience(c, 2);
    pp_abort_counts k;
    pp_error err;
    double t0 = now_s();
    int rc = pp_async_abort(a, &k, &err);
    double took = now_s() - t0;
    CHECK(rc == PP_ETIMEDOUT, "abort: %d %s", rc, err.msg);
    CHECK(took < 6, "the abort took %.1f s", took);
    printf("%s\n", err.msg);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* One engine, --hwm 3, each task 0.5 s: when the first result is in,
 * the engine runs one task and holds two more.  Aborted then, the
 * controller's queue goes at once and the engine skips the two it holds
 * ("aborted before it ran", never started); the running one finishes. */
static void test_queued(pp_client *c, size_t n)
{
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 1);
    if (!a)
        return;
    await_done(a, 1);
    pp_abort_counts k;
    pp_error err;
    CHECK(pp_async_abort(a, &k, &err) == 0, "abort: %s", err.msg);
    CHECK(pp_async_wait(a, 20, &err) == 0, "wait: %s", err.msg);
    size_t ok, aborted, other, never_started = 0;
    count_ends(a, &ok, &aborted, &other);
    for (size_t i = 0; i < pp_async_len(a); i++)
        never_started += pp_async_meta(a, i)->status == PP_EABORTED
                         && pp_async_meta(a, i)->started == 0;
    CHECK(k.running == 3 && k.aborted == n - 4,
          "the answer: %zu aborted, %zu running", k.aborted,
          k.running);
    CHECK(ok == 2 && aborted == n - 2 && other == 0
              && never_started == aborted,
          "%zu ok, %zu aborted (%zu never started), %zu other", ok, aborted,
          never_started, other);
    CHECK(status_field(c, "tasks_outstanding") == 0, "tasks outstanding");
    printf("queued: %zu aborted, 2 of them skipped by the engine; %zu "
           "ran\n", aborted, ok);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* The pid of the status's first engine; -1 without. */
static long first_engine_pid(pp_client *c)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(c, &json, &err))
        return -1;
    const char *engines = strstr(json, "\"engines\":");
    const char *at = engines ? strstr(engines, "\"pid\":") : NULL;
    long pid = at ? atol(at + strlen("\"pid\":")) : -1;
    free(json);
    return pid;
}

/* As queued, with the engine hung (SIGSTOP) as the abort goes.
 * Briefly (0.3 s, within the heartbeats' patience): it reads the ABORT
 * when it goes on and skips the two it holds, as in queued.  Past the
 * patience (2 s): the controller ends the three it holds as aborted with
 * the engine, not retried; continued, the engine registers again under a
 * new id, its late results count for nothing, and it runs what comes
 * next. */
static void test_stopped(pp_client *c, size_t n, bool brief)
{
    /* The engine's worker, which holds the tasks (the process started is
     * its supervisor). */
    pid_t pid = (pid_t)first_engine_pid(c);
    CHECK(pid > 0, "no engine's pid in the status");
    if (pid <= 0)
        return;
    pp_view *v;
    pp_async *a = long_map(c, &v, n, 1);
    if (!a)
        return;
    await_done(a, 1);
    usleep(50000); /* the engine has started the next: 0.5 s long */
    long long aborted_before = status_field(c, "tasks_aborted");
    long long done_before = status_field(c, "tasks_done");
    CHECK(kill(pid, SIGSTOP) == 0, "stop %d", (int)pid);
    pp_abort_counts k;
    pp_error err;
    CHECK(pp_async_abort(a, &k, &err) == 0, "abort: %s", err.msg);
    CHECK(k.running == 3 && k.aborted == n - 4,
          "the answer: %zu aborted, %zu running", k.aborted, k.running);
    usleep(brief ? 300000 : 2000000);
    CHECK(kill(pid, SIGCONT) == 0, "continue %d", (int)pid);
    CHECK(pp_async_wait(a, 20, &err) == 0, "wait: %s", err.msg);
    size_t ok, aborted, other, with_engine = 0;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        if (pp_async_result(a, i, &vals, &err) == PP_EABORTED
            && strncmp(err.msg, "aborted (engine ", 16) == 0
            && strstr(err.msg, " died (no heartbeat for ")
            && strstr(err.msg, " before it finished)"))
            with_engine++;
    }
    count_ends(a, &ok, &aborted, &other);
    if (brief)
        CHECK(ok == 2 && aborted == n - 2 && other == 0,
              "brief: %zu ok, %zu aborted, %zu other", ok, aborted, other);
    else
        CHECK(ok == 1 && aborted == n - 4 && with_engine == 3
                  && other == 3,
              "long: %zu ok, %zu aborted, %zu with the engine, %zu other",
              ok, aborted, with_engine, other);
    /* The engine's late answers (long: one result, two skipped) have
     * come by the time a new task's result does. */
    int64_t x = 7;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_I64, &x, sizeof x);
    pp_async *next = pp_view_apply_async(v, "echo", &arg, 1, &err);
    const pp_values *vals = NULL;
    CHECK(next && pp_async_wait(next, 20, &err) == 0
              && pp_async_result(next, 0, &vals, &err) == 0
              && pp_value_i64s(&vals->v[0])[0] == 7,
          "a task after the hang: %s", err.msg);
    if (next)
        CHECK(pp_async_meta(next, 0)->engine == (brief ? 0 : 1),
              "the task after the hang ran on engine %d",
              pp_async_meta(next, 0)->engine);
    pp_async_destroy(&next);
    CHECK(status_field(c, "tasks_outstanding") == 0, "tasks outstanding");
    CHECK(status_field(c, "tasks_aborted") - aborted_before
              == (long long)(brief ? n - 2 : n - 1),
          "tasks aborted in the status: %lld more",
          status_field(c, "tasks_aborted") - aborted_before);
    CHECK(status_field(c, "tasks_done") - done_before == (brief ? 2 : 1),
          "tasks done in the status: %lld more (the new one counted)",
          status_field(c, "tasks_done") - done_before);
    printf("stopped %s: %zu ran, %zu aborted, %zu with the engine\n",
           brief ? "0.3 s" : "2 s", ok, aborted, with_engine);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr,
                "usage: abort map|deps|split|kill|gone CLIENT_JSON ...\n");
        return 2;
    }
    pp_error err;
    pp_client *c = pp_client_connect(argv[2], 10, &err);
    if (!c) {
        fprintf(stderr, "FAIL: connect: %s\n", err.msg);
        return 1;
    }
    const char *mode = argv[1];
    size_t n = argc > 3 ? (size_t)atol(argv[3]) : 0;
    if (!strcmp(mode, "map") && argc == 4)
        test_map(c, n);
    else if (!strcmp(mode, "deps") && argc == 3)
        test_deps(c);
    else if (!strcmp(mode, "kill") && argc == 5)
        test_kill(c, n, (pid_t)atol(argv[4]));
    else if (!strcmp(mode, "split") && argc == 4)
        test_split(c, n);
    else if (!strcmp(mode, "queued") && argc == 4)
        test_queued(c, n);
    else if (!strcmp(mode, "stopped-brief") && argc == 4)
        test_stopped(c, n, true);
    else if (!strcmp(mode, "stopped-long") && argc == 4)
        test_stopped(c, n, false);
    else if (!strcmp(mode, "gone") && argc == 5)
        test_gone(c, n, argv[4]);
    else {
        fprintf(stderr, "abort: bad arguments\n");
        failures++;
    }
    pp_client_destroy(&c);
    return failures ? 1 : 0;
}
