/* restart_views.c - views and followers kept across a controller restart
 * (restart.sh): a restarted controller numbers its engines in the order
 * they register again, so an id of before may name another engine now.
 * A task of a view made before names the run its ids came from, and is
 * refused rather than sent to the wrong engine's namespace; a view made
 * again names the engines as they are numbered now.
 *
 * Tasks in flight when the controller died were lost with it, and fail;
 * one sent while it was dead waited in the client's queue, reached the
 * restarted one and runs there: it is not failed as lost (the client asks
 * the controller which it has), and comes back.
 *
 * usage: restart_views CLIENT_JSON FILE
 *   pushes who = 0 to engine 0 and who = 1 to engine 1, runs one task on
 *   the balanced view, starts a long one, creates FILE, waits for
 *   FILE.dead (restart.sh has killed the controller), sends a task,
 *   creates FILE.sent, waits for FILE.go (restart.sh has restarted the
 *   controller, engine 1 registering first), then checks. */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* Creates BASE + SUFFIX (restart.sh waits for it). */
static void touch(const char *base, const char *suffix)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", base, suffix);
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
}

/* Waits up to 60 s for BASE + SUFFIX (restart.sh's word). */
static void await_file(const char *base, const char *suffix)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", base, suffix);
    for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
        usleep(10000);
    CHECK(access(path, F_OK) == 0, "never told %s", suffix);
}

static void push_who(pp_client *c, int64_t id)
{
    pp_error err;
    pp_view *v = pp_client_direct(c, &id, 1, &err);
    CHECK(v != NULL, "view of engine %lld: %s", (long long)id, err.msg);
    if (!v)
        return;
    pp_value who;
    pp_value_borrow(&who, PP_T_I64, &id, sizeof id);
    CHECK(pp_view_push(v, "who", &who, &err) == 0, "push: %s", err.msg);
    pp_view_destroy(&v);
}

static void check_refused(pp_view *v, const char *name, int64_t id)
{
    pp_values out = { 0 };
    pp_error err = { 0 };
    char want[300];
    snprintf(want, sizeof want,
             "the task names engine %lld as numbered before the controller "
             "restarted: the id may name another engine now (make the view "
             "again)",
             (long long)id);
    int rc = pp_view_pull(v, "who", &out, &err);
    CHECK(rc != 0 && strstr(err.msg, want),
          "%s after the restart: %d '%s'", name, rc, err.msg);
    if (!rc)
        pp_values_free(&out);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: restart_views CLIENT_JSON FILE\n");
        return 2;
    }
    pp_error err;
    pp_client *c = pp_client_connect(argv[1], 10, &err);
    if (!c) {
        fprintf(stderr, "FAIL: connect: %s\n", err.msg);
        return 1;
    }
    push_who(c, 0);
    push_who(c, 1);
    int64_t zero = 0, one = 1;
    pp_view *v0 = pp_client_direct(c, &zero, 1, &err);
    pp_view *all = pp_client_direct(c, NULL, 0, &err);
    pp_view *lb = pp_client_balanced(c, &err);
    pp_value x;
    pp_value_borrow(&x, PP_T_I64, &one, sizeof one);
    pp_async *before = pp_view_apply_async(lb, "echo", &x, 1, &err);
    CHECK(before && pp_async_wait(before, 10, &err) == 0, "echo: %s",
          err.msg);
    uint64_t before_id = pp_async_task_id(before, 0);
    /* One engine of a view, as that view names it (pp_view_one). */
    pp_view *sub = pp_view_one(all, 1, &err);
    CHECK(sub != NULL, "pp_view_one: %s", err.msg);
    CHECK(!pp_view_one(all, 2, &err)
              && strcmp(err.msg, "no engine 2 in a view of 2") == 0,
          "pp_view_one past the end: '%s'", err.msg);
    CHECK(!pp_view_one(lb, 0, &err)
              && strcmp(err.msg, "a load-balanced view names no engines")
                     == 0,
          "pp_view_one of a balanced view: '%s'", err.msg);

    /* At an engine when the controller dies: lost with it. */
    double seconds = 3;
    pp_value secs;
    pp_value_borrow(&secs, PP_T_F64, &seconds, sizeof seconds);
    pp_async *lost = pp_view_apply_async(lb, "sleep", &secs, 1, &err);
    CHECK(lost != NULL, "sleep: %s", err.msg);

    touch(argv[2], "");
    await_file(argv[2], ".dead");
    /* Sent while no controller listens: it waits in the client's queue
     * and goes to the restarted one. */
    seconds = 2;
    pp_async *queued = pp_view_apply_async(lb, "sleep", &secs, 1, &err);
    CHECK(queued != NULL, "sleep: %s", err.msg);
    touch(argv[2], ".sent");
    await_file(argv[2], ".go");

    /* The restarted controller answers the client's first ping: the
     * task it never had fails, the one it has is waited for. */
    CHECK(lost && pp_async_wait(lost, 10, &err) == 0, "wait: %s", err.msg);
    const pp_values *lv;
    int lrc = lost ? pp_async_result(lost, 0, &lv, &err) : -1;
    CHECK(lrc != 0 && strstr(err.msg, "restarted while the task was in "
                                      "flight: submit it again"),
          "a task lost with the controller: %d '%s'", lrc, err.msg);
    CHECK(queued && pp_async_wait(queued, 10, &err) == 0, "wait: %s",
          err.msg);
    int qrc = queued ? pp_async_result(queued, 0, &lv, &err) : -1;
    CHECK(qrc == 0, "a task sent while the controller was dead, which "
                    "reached the restarted one: %d '%s'",
          qrc, qrc ? err.msg : "");
    pp_async_destroy(&lost);
    pp_async_destroy(&queued);

    /* First words with the restarted controller: a task on the balanced
     * view and a follower of it.  The task ran in this run, so its
     * follower is legitimate, though the client has had no reply but
     * the task's result from this run yet. */
    pp_async *first = pp_view_apply_async(lb, "echo", &x, 1, &err);
    CHECK(first && pp_async_wait(first, 10, &err) == 0, "first echo: %s",
          err.msg);
    uint64_t first_id = pp_async_task_id(first, 0);
    const pp_task_meta *fm = first ? pp_async_meta(first, 0) : NULL;
    int32_t first_engine = fm ? fm->engine : -1;
    pp_task_opts fn = { .follow = &first_id, .nfollow = 1 };
    pp_view *lbf = pp_client_balanced(c, &err);
    CHECK(lbf && pp_view_set_flags(lbf, &fn, &err) == 0, "follow: %s",
          err.msg);
    pp_async *next = pp_view_apply_async(lbf, "echo", &x, 1, &err);
    const pp_values *nv;
    int rc = next ? pp_async_wait(next, 10, &err) : -1;
    if (!rc)
        rc = pp_async_result(next, 0, &nv, &err);
    const pp_task_meta *nm = next ? pp_async_meta(next, 0) : NULL;
    CHECK(!rc && nm && nm->engine == first_engine,
          "a follower of the first task after the restart: %d '%s' "
          "(engine %d, followed %d)", rc, rc ? err.msg : "",
          nm ? nm->engine : -1, first_engine);
    pp_async_destroy(&next);
    pp_async_destroy(&first);
    pp_view_destroy(&lbf);

    /* Views of before: refused by the controller, not run elsewhere. */
    check_refused(v0, "a view of engine 0", 0);
    check_refused(all, "a view of every engine", 0);
    check_refused(sub, "one engine of a view of before", 1);
    pp_view_destroy(&sub);

    /* Made again: the engines as numbered now (engine 1 came back
     * first, so it is 0 now). */
    pp_view *again = pp_client_direct(c, NULL, 0, &err);
    CHECK(again != NULL, "view again: %s", err.msg);
    pp_values out = { 0 };
    if (again && pp_view_pull(again, "who", &out, &err) == 0) {
        CHECK(out.n == 2 && pp_value_i64s(&out.v[0])[0] == 1
                  && pp_value_i64s(&out.v[1])[0] == 0,
              "who on engines 0 and 1 now: %lld, %lld",
              out.n == 2 ? (long long)pp_value_i64s(&out.v[0])[0] : -1,
              out.n == 2 ? (long long)pp_value_i64s(&out.v[1])[0] : -1);
        pp_values_free(&out);
    } else {
        CHECK(0, "pull with the view made again: %s", err.msg);
    }
    /* An id no engine has now is refused when the view is made. */
    int64_t five = 5;
    pp_view *none = pp_client_direct(c, &five, 1, &err);
    CHECK(!none && strcmp(err.msg, "no engine 5 is registered (engines: "
                                   "0, 1)") == 0,
          "a view of engine 5: '%s'", none ? "made" : err.msg);
    pp_view_destroy(&none);

    /* A follower of a task of before. */
    pp_task_opts fo = { .follow = &before_id, .nfollow = 1 };
    pp_view_set_flags(lb, &fo, &err);
    pp_async *fol = pp_view_apply_async(lb, "hello", NULL, 0, &err);
    char want[300];
    snprintf(want, sizeof want,
             "follows task %016llx, which ran before the controller "
             "restarted: its engine's id may name another engine now",
             (unsigned long long)before_id);
    const pp_values *got;
    CHECK(fol && pp_async_wait(fol, 10, &err) == 0
              && pp_async_result(fol, 0, &got, &err) != 0
              && strstr(err.msg, want),
          "a follower of a task of before: '%s'", err.msg);
    printf("views and followers of before the restart refused; who on "
           "engines 0 and 1 now: 1, 0\n");
    pp_async_destroy(&fol);
    pp_async_destroy(&before);
    pp_view_destroy(&again);
    pp_view_destroy(&lb);
    pp_view_destroy(&all);
    pp_view_destroy(&v0);
    pp_client_destroy(&c);
    return failures ? 1 : 0;
}
