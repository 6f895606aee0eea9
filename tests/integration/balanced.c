/* balanced.c - the load-balanced view against a real cluster that
 * balanced.sh started: results in order, the scheduler favouring a fast
 * engine, retries, dependencies, timeouts, and engines that die, leave or
 * join in the middle of a map.
 *
 * usage: balanced MODE CLIENT_JSON [ARGS]   (see main for the modes) */
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_internal.h"

#include "check.h"

static pp_client *client;

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

/* The pid of engine `id`, from the controller's status. */
static long engine_pid(int64_t id)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(client, &json, &err))
        return -1;
    json_t *root = json_loads(json, 0, NULL);
    free(json);
    long pid = -1;
    json_t *engines = json_object_get(root, "engines");
    for (size_t i = 0; i < json_array_size(engines); i++) {
        json_t *e = json_array_get(engines, i);
        if (json_integer_value(json_object_get(e, "id")) == id)
            pid = (long)json_integer_value(json_object_get(e, "pid"));
    }
    json_decref(root);
    return pid;
}

static pp_value range(int64_t n)
{
    int64_t *x = malloc((size_t)n * sizeof *x + 1);
    for (int64_t i = 0; i < n; i++)
        x[i] = i;
    pp_value v;
    pp_value_take(&v, PP_T_I64, x, (size_t)n * sizeof *x);
    return v;
}

/* Checks a map of powers with exponent 2 over range(n): every x*x, in
 * order. */
static void check_squares(pp_async *a, int64_t n)
{
    pp_value y;
    pp_error err;
    int rc = pp_async_gather(a, &y, &err);
    CHECK(rc == 0, "gather: %s", err.msg);
    if (rc)
        return;
    CHECK((int64_t)pp_value_count(&y) == n, "%zu results, not %lld",
          pp_value_count(&y), (long long)n);
    const int64_t *v = pp_value_i64s(&y);
    int64_t wrong = 0;
    for (int64_t i = 0; i < n && i < (int64_t)pp_value_count(&y); i++)
        wrong += v[i] != i * i;
    CHECK(wrong == 0, "%lld results are wrong", (long long)wrong);
    pp_value_free(&y);
}

static size_t tasks_on(pp_async *a, int32_t engine)
{
    size_t n = 0;
    for (size_t i = 0; i < pp_async_len(a); i++)
        n += pp_async_meta(a, i)->engine == engine;
    return n;
}

/* A map of powers with exponent 2 over range(n), chunksize 1. */
static pp_async *map_squares(pp_view *v, int64_t n, pp_value *seq)
{
    int64_t two = 2;
    pp_value e;
    pp_value_borrow(&e, PP_T_I64, &two, sizeof two);
    *seq = range(n);
    pp_error err = { 0 };
    pp_async *a = pp_view_map_async(v, "powers", seq, 1, &e, 1, &err);
    CHECK(a != NULL, "map: %s", err.msg);
    return a;
}

static void wait_progress(pp_async *a, size_t at_least)
{
    while (pp_async_progress(a) < at_least)
        sleep_s(0.005);
}

/* Engine 0 fast, engine 1 slow (--task-delay): under leastload the fast
 * one takes clearly more of 60 sleep tasks. */
static void mode_slow(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    double items[60];
    for (int i = 0; i < 60; i++)
        items[i] = 0.01;
    pp_value seq;
    pp_value_borrow(&seq, PP_T_F64, items, sizeof items);
    pp_async *a = pp_view_map_async(v, "sleep", &seq, 1, NULL, 0, &err);
    CHECK(a && pp_async_wait(a, 60, &err) == 0, "map: %s", err.msg);
    CHECK(pp_async_first_error(a, &err) == 0, "task failed: %s", err.msg);
    size_t fast = tasks_on(a, 0), slow = tasks_on(a, 1);
    printf("sleep tasks: fast engine %zu, slow engine %zu\n", fast, slow);
    CHECK(fast + slow == 60, "tasks on neither engine");
    CHECK(fast >= 2 * slow, "fast %zu is not clearly more than slow %zu",
          fast, slow);
    pp_async_timing t;
    pp_async_timing_get(a, &t);
    CHECK(t.done == 60 && t.failed == 0, "timing counts %zu/%zu", t.done,
          t.failed);
    CHECK(t.serial >= 0.6 && t.wall > 0, "serial %.3f wall %.3f", t.serial,
          t.wall);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* Kills engine `victim` with sig in the middle of a 2,000-task map. */
static void mode_kill(int sig, int retries, int32_t victim)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    pp_task_opts flags = { .retries = retries };
    pp_view_set_flags(v, &flags, &err);
    long pid = engine_pid(victim);
    CHECK(pid > 0, "no pid for engine %d", victim);
    pp_value seq;
    pp_async *a = map_squares(v, 2000, &seq);
    wait_progress(a, 400);
    kill((pid_t)pid, sig);
    int rc = pp_async_wait(a, 120, &err);
    CHECK(rc == 0, "wait: %s", err.msg);
    size_t on_victim = tasks_on(a, victim), failed = 0, failed_right = 0;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error e2;
        if (pp_async_result(a, i, &vals, &e2)) {
            failed++;
            char want[64];
            snprintf(want, sizeof want, "engine %d: ", victim);
            failed_right += strstr(e2.msg, want) != NULL;
            if (failed == 1)
                printf("a lost task says: %s\n", e2.msg);
        }
    }
    printf("signal %d to engine %d with retries=%d: %zu tasks done there "
           "before, %zu failed\n",
           sig, victim, retries, on_victim, failed);
    CHECK(on_victim > 0 && on_victim < 2000, "victim ran %zu tasks",
          on_victim);
    if (retries > 0 || sig == SIGTERM) {
        CHECK(failed == 0, "%zu tasks failed", failed);
        check_squares(a, 2000);
    } else {
        /* Lost, not missing: each lost task says which engine lost it. */
        CHECK(failed >= 1, "no task was reported lost");
        CHECK(failed_right == failed, "%zu of %zu failures name engine %d",
              failed_right, failed, victim);
        for (size_t i = 0; i < pp_async_len(a); i++) {
            const pp_values *vals;
            pp_error e2;
            if (pp_async_result(a, i, &vals, &e2) == 0)
                CHECK(pp_value_i64s(&vals->v[0])[0] == (int64_t)(i * i),
                      "result %zu wrong", i);
        }
    }
    pp_value_free(&seq);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* More tasks than ZeroMQ's default queue of 1000 per peer, all pipelined
 * at once (hwm 0): every one comes back. */
static void mode_many(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    pp_value seq;
    pp_async *a = map_squares(v, 20000, &seq);
    CHECK(a && pp_async_wait(a, 60, &err) == 0, "wait: %s", err.msg);
    if (a)
        check_squares(a, 20000);
    printf("20000 pipelined tasks: all back\n");
    pp_value_free(&seq);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* An engine that joins in the middle of a map gets work. */
static void mode_join(const char *engine_bin, const char *engine_json)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    pp_value seq;
    pp_async *a = map_squares(v, 600, &seq);
    wait_progress(a, 50);
    pid_t pid = fork();
    if (pid == 0) {
        execl(engine_bin, "engine", "--file", engine_json, "--log-level",
              "warn", "--task-delay", "0.002", (char *)NULL);
        _exit(127);
    }
    CHECK(pp_async_wait(a, 60, &err) == 0, "wait: %s", err.msg);
    check_squares(a, 600);
    size_t newcomer = tasks_on(a, 1);
    printf("the engine that joined mid-map ran %zu of 600 tasks\n",
           newcomer);
    CHECK(newcomer > 0, "the new engine got no work");
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    pp_value_free(&seq);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* after: a task runs only after its dependencies succeed, and fails,
 * naming the dependency, when one failed.  timeout: a task that cannot
 * start in time fails saying so.  retries: a failing task is retried on
 * another engine, never the same one. */
/* Task 0 of a ends failing with exactly the message want. */
static void check_fails_with(pp_async *a, const char *name, const char *want)
{
    pp_error err;
    const pp_values *got = NULL;
    CHECK(pp_async_wait(a, 30, &err) == 0, "wait %s: %s", name, err.msg);
    CHECK(pp_async_result(a, 0, &got, &err) != 0
              && strcmp(err.msg, want) == 0,
          "%s: '%s', not '%s'", name, err.msg, want);
}

/* A result whose values went to the tasks after it is refused by name,
 * not read as a task that returned nothing. */
static void check_handed_on(pp_async *a, const char *name)
{
    pp_error err;
    const pp_values *got = NULL;
    CHECK(pp_async_result(a, 0, &got, &err) == PP_ENOENT
              && strcmp(err.msg, "task 0's result was handed on to the "
                                 "tasks after it (after_args move or "
                                 "share)") == 0,
          "%s's result: '%s'", name, got ? "read" : err.msg);
}

/* E, echo(5, 'k'), held behind G, a sleep of 0.3 s: tasks submitted
 * after E now are held with it (the view's flags are cleared). */
static pp_async *echo_behind_gate(pp_view *v, pp_async **g)
{
    pp_error err;
    double nap = 0.3;
    int64_t five = 5;
    pp_value nap_v, args[2];
    pp_value_borrow(&nap_v, PP_T_F64, &nap, sizeof nap);
    pp_value_borrow(&args[0], PP_T_I64, &five, sizeof five);
    pp_value_borrow(&args[1], PP_T_STR, "k", 1);
    pp_view_set_flags(v, NULL, &err);
    *g = pp_view_apply_async(v, "sleep", &nap_v, 1, &err);
    uint64_t after_g = pp_async_task_id(*g, 0);
    pp_task_opts gate = { .after = &after_g, .nafter = 1 };
    pp_view_set_flags(v, &gate, &err);
    pp_async *e = pp_view_apply_async(v, "echo", args, 2, &err);
    pp_view_set_flags(v, NULL, &err);
    return e;
}

static void mode_flags(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);

    /* A sleeps 0.3 s; B (after A) must start after A completed. */
    pp_async *a = NULL, *b = NULL, *c = NULL;
    double wait = 0.3;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_F64, &wait, sizeof wait);
    CHECK(pp_view_apply(v, "sleep", &arg, 1, NULL, &err) == 0, "%s",
          err.msg);
    a = pp_view_apply_async(v, "sleep", &arg, 1, &err);
    uint64_t after_a = pp_async_task_id(a, 0);
    pp_task_opts flags = { .after = &after_a, .nafter = 1 };
    pp_view_set_flags(v, &flags, &err);
    b = pp_view_apply_async(v, "hello", NULL, 0, &err);
    CHECK(pp_async_wait(b, 30, &err) == 0, "wait b: %s", err.msg);
    CHECK(pp_async_first_error(b, &err) == 0, "b failed: %s", err.msg);
    CHECK(pp_async_ready(a), "b finished before a");
    CHECK(pp_async_meta(b, 0)->started >= pp_async_meta(a, 0)->completed,
          "b started before a completed");

    /* Results as arguments: E returns [5]; K (after E, copying) gets
     * [5] then its own 'k'; M (after E and K, moving) gets everything,
     * and E's result is left empty. */
    pp_view_set_flags(v, NULL, &err);
    int64_t five = 5;
    pp_value five_v, k_v;
    pp_value_borrow(&five_v, PP_T_I64, &five, sizeof five);
    pp_async *e = pp_view_apply_async(v, "echo", &five_v, 1, &err);
    uint64_t after_e[2] = { pp_async_task_id(e, 0), 0 };
    pp_task_opts copy = { .after = after_e, .nafter = 1,
                          .after_args = PP_AFTER_COPY };
    pp_view_set_flags(v, &copy, &err);
    pp_value_borrow(&k_v, PP_T_STR, "k", 1);
    pp_async *k = pp_view_apply_async(v, "echo", &k_v, 1, &err);
    after_e[1] = pp_async_task_id(k, 0);
    CHECK(pp_async_wait(k, 30, &err) == 0, "wait k: %s", err.msg);
    const pp_values *kv = NULL;
    CHECK(pp_async_result(k, 0, &kv, &err) == 0 && kv->n == 2
              && kv->v[0].type == PP_T_I64
              && pp_value_i64s(&kv->v[0])[0] == 5
              && kv->v[1].type == PP_T_STR && kv->v[1].size == 1,
          "k did not get e's result then its own value");
    pp_task_opts move = { .after = after_e, .nafter = 2,
                          .after_args = PP_AFTER_MOVE };
    pp_view_set_flags(v, &move, &err);
    pp_async *m = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(m, 30, &err) == 0, "wait m: %s", err.msg);
    const pp_values *got = NULL;
    CHECK(pp_async_result(m, 0, &got, &err) == 0 && got->n == 3
              && pp_value_i64s(&got->v[0])[0] == 5
              && pp_value_i64s(&got->v[1])[0] == 5
              && got->v[2].type == PP_T_STR,
          "m did not get e's and k's results");
    check_handed_on(e, "e");
    check_handed_on(k, "k");
    /* A result named twice by a moving task: a copy, then the values. */
    pp_view_set_flags(v, NULL, &err);
    pp_async *e7 = pp_view_apply_async(v, "echo", &five_v, 1, &err);
    uint64_t twice[2] = { pp_async_task_id(e7, 0), 0 };
    twice[1] = twice[0];
    pp_task_opts move2 = { .after = twice, .nafter = 2,
                           .after_args = PP_AFTER_MOVE };
    pp_view_set_flags(v, &move2, &err);
    pp_async *m2 = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(m2, 30, &err) == 0, "wait m2: %s", err.msg);
    CHECK(pp_async_result(m2, 0, &got, &err) == 0 && got->n == 2
              && got->v[0].type == PP_T_I64 && got->v[1].type == PP_T_I64
              && pp_value_i64s(&got->v[0])[0] == 5
              && pp_value_i64s(&got->v[1])[0] == 5,
          "m2 did not get e7's result twice");
    check_handed_on(e7, "e7");
    pp_async_destroy(&m2);
    pp_async_destroy(&e7);
    pp_async_destroy(&m);
    pp_async_destroy(&k);
    pp_async_destroy(&e);

    /* Some values of a result (after_take): E2 returns [5, 'k']; T takes
     * its value 1 alone, copied; X asks for a value 2 it does not have
     * and fails naming it; W moves value 0 and E2 is left empty. */
    pp_view_set_flags(v, NULL, &err);
    pp_value e2_args[2] = { five_v, k_v };
    pp_async *e2 = pp_view_apply_async(v, "echo", e2_args, 2, &err);
    uint64_t after_e2 = pp_async_task_id(e2, 0);
    uint32_t take = 1u << 1;
    pp_task_opts pick = { .after = &after_e2, .nafter = 1,
                          .after_args = PP_AFTER_COPY, .after_take = &take };
    CHECK(pp_view_set_flags(v, &pick, &err) == 0, "pick: %s", err.msg);
    take = 0; /* the view keeps its own copy */
    pp_async *tk = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(tk, 30, &err) == 0, "wait t: %s", err.msg);
    CHECK(pp_async_result(tk, 0, &got, &err) == 0 && got->n == 1
              && got->v[0].type == PP_T_STR && got->v[0].size == 1
              && memcmp(got->v[0].data, "k", 1) == 0,
          "t did not get e2's value 1 alone");
    take = 1u << 2;
    pp_view_set_flags(v, &pick, &err);
    pp_async *x = pp_view_apply_async(v, "echo", NULL, 0, &err);
    char want[120];
    snprintf(want, sizeof want,
             "the task takes value 2 of the result of task %016llx"
             ", which has 2",
             (unsigned long long)after_e2);
    check_fails_with(x, "x", want);
    take = 1u << 0;
    pick.after_args = PP_AFTER_MOVE;
    pp_view_set_flags(v, &pick, &err);
    pp_async *w = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(w, 30, &err) == 0, "wait w: %s", err.msg);
    CHECK(pp_async_result(w, 0, &got, &err) == 0 && got->n == 1
              && got->v[0].type == PP_T_I64
              && pp_value_i64s(&got->v[0])[0] == 5,
          "w did not get e2's value 0 alone");
    check_handed_on(e2, "e2");
    pp_async_destroy(&w);
    pp_async_destroy(&x);
    pp_async_destroy(&tk);
    pp_async_destroy(&e2);

    /* Shared (after_args share): G sleeps; E, after G, returns [5, 'k'];
     * S1 (its value 0) and S2 (all) share E's result, held together: the
     * first one released gets a copy, the last one the values, and E
     * keeps none; L, sharing it after that, fails naming E. */
    pp_async *g;
    pp_async *e3 = echo_behind_gate(v, &g);
    uint64_t after_e3 = pp_async_task_id(e3, 0);
    uint32_t first = 1u << 0;
    pp_task_opts share1 = { .after = &after_e3, .nafter = 1,
                            .after_args = PP_AFTER_SHARE,
                            .after_take = &first };
    CHECK(pp_view_set_flags(v, &share1, &err) == 0, "share: %s", err.msg);
    pp_async *s1 = pp_view_apply_async(v, "echo", NULL, 0, &err);
    pp_task_opts share2 = { .after = &after_e3, .nafter = 1,
                            .after_args = PP_AFTER_SHARE };
    pp_view_set_flags(v, &share2, &err);
    pp_async *s2 = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(s1, 30, &err) == 0 && pp_async_wait(s2, 30, &err) == 0,
          "wait s1, s2: %s", err.msg);
    CHECK(pp_async_result(s1, 0, &got, &err) == 0 && got->n == 1
              && got->v[0].type == PP_T_I64
              && pp_value_i64s(&got->v[0])[0] == 5,
          "s1 did not get e3's value 0 alone");
    CHECK(pp_async_result(s2, 0, &got, &err) == 0 && got->n == 2
              && pp_value_i64s(&got->v[0])[0] == 5
              && got->v[1].type == PP_T_STR && got->v[1].size == 1
              && memcmp(got->v[1].data, "k", 1) == 0,
          "s2 did not get both of e3's values");
    check_handed_on(e3, "e3");
    pp_async *late = pp_view_apply_async(v, "echo", NULL, 0, &err);
    snprintf(want, sizeof want,
             "the result of task %016llx was already handed on to other "
             "tasks (after_args move or share)",
             (unsigned long long)after_e3);
    check_fails_with(late, "late", want);
    /* An after_args none of the four is refused, the flags unchanged. */
    pp_task_opts odd = { .after = &after_e3, .nafter = 1,
                         .after_args = (pp_after_args)7 };
    CHECK(pp_view_set_flags(v, &odd, &err) == PP_EINVAL
              && strcmp(err.msg, "after_args 7 is not none, copy, move or "
                                 "share (0 to 3)") == 0,
          "after_args 7: '%s'", err.msg);
    /* A sharer aborted while its result still runs: the result, once
     * in, is whole and a task copying it afterwards gets it. */
    pp_async *g4;
    pp_async *e4 = echo_behind_gate(v, &g4);
    uint64_t after_e4 = pp_async_task_id(e4, 0);
    pp_task_opts share4 = { .after = &after_e4, .nafter = 1,
                            .after_args = PP_AFTER_SHARE };
    pp_view_set_flags(v, &share4, &err);
    pp_async *s4 = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_abort(s4, NULL, &err) == 0, "abort s4: %s", err.msg);
    CHECK(pp_async_wait(e4, 30, &err) == 0, "wait e4: %s", err.msg);
    CHECK(pp_async_result(e4, 0, &got, &err) == 0 && got->n == 2,
          "e4 has not its 2 values");
    share4.after_args = PP_AFTER_COPY;
    pp_view_set_flags(v, &share4, &err);
    pp_async *c4 = pp_view_apply_async(v, "echo", NULL, 0, &err);
    CHECK(pp_async_wait(c4, 30, &err) == 0, "wait c4: %s", err.msg);
    CHECK(pp_async_result(c4, 0, &got, &err) == 0 && got->n == 2,
          "c4 copying e4 after its sharer was aborted: %s", err.msg);
    /* A result copied by one held task and shared by another: each gets
     * it, whichever is released first, and it is let go after both. */
    pp_async *g6;
    pp_async *e6 = echo_behind_gate(v, &g6);
    uint64_t after_e6 = pp_async_task_id(e6, 0);
    pp_async *mix[2];
    for (int k = 0; k < 2; k++) {
        pp_task_opts o6 = { .after = &after_e6, .nafter = 1,
                            .after_args = k ? PP_AFTER_COPY
                                            : PP_AFTER_SHARE };
        pp_view_set_flags(v, &o6, &err);
        mix[k] = pp_view_apply_async(v, "echo", NULL, 0, &err);
    }
    for (int k = 0; k < 2; k++) {
        CHECK(pp_async_wait(mix[k], 30, &err) == 0, "wait mix: %s", err.msg);
        CHECK(pp_async_result(mix[k], 0, &got, &err) == 0 && got->n == 2,
              "%s task after e6: %s", k ? "copying" : "sharing", err.msg);
    }
    check_handed_on(e6, "e6");
    pp_async_destroy(&mix[1]);
    pp_async_destroy(&mix[0]);
    pp_async_destroy(&e6);
    pp_async_destroy(&g6);
    /* One call that sends a task per engine, sharing a finished result:
     * every task gets it. */
    pp_view_set_flags(v, NULL, &err);
    pp_async *e5 = pp_view_apply_async(v, "echo", e2_args, 2, &err);
    CHECK(pp_async_wait(e5, 30, &err) == 0, "wait e5: %s", err.msg);
    uint64_t after_e5 = pp_async_task_id(e5, 0);
    pp_view *dv = pp_client_direct(client, NULL, 0, &err);
    CHECK(dv != NULL, "direct: %s", err.msg);
    pp_task_opts share5 = { .after = &after_e5, .nafter = 1,
                            .after_args = PP_AFTER_SHARE };
    pp_view_set_flags(dv, &share5, &err);
    pp_async *d4 = pp_view_apply_async(dv, "echo", NULL, 0, &err);
    CHECK(d4 && pp_async_len(d4) == 2, "direct apply: %s", err.msg);
    CHECK(pp_async_wait(d4, 30, &err) == 0, "wait d4: %s", err.msg);
    for (size_t i = 0; d4 && i < pp_async_len(d4); i++)
        CHECK(pp_async_result(d4, i, &got, &err) == 0 && got->n == 2,
              "direct task %zu sharing finished e5: %s", i, err.msg);
    pp_async_destroy(&d4);
    pp_async_destroy(&e5);
    pp_view_destroy(&dv);
    pp_async_destroy(&c4);
    pp_async_destroy(&s4);
    pp_async_destroy(&e4);
    pp_async_destroy(&g4);
    pp_async_destroy(&late);
    pp_async_destroy(&s2);
    pp_async_destroy(&s1);
    pp_async_destroy(&e3);
    pp_async_destroy(&g);

    /* F fails; G after F fails with a message naming F. */
    pp_view_set_flags(v, NULL, &err);
    pp_value why;
    pp_value_borrow(&why, PP_T_STR, "on purpose", 10);
    pp_async *f = pp_view_apply_async(v, "fail", &why, 1, &err);
    uint64_t after_f = pp_async_task_id(f, 0);
    pp_task_opts after_fail = { .after = &after_f, .nafter = 1 };
    pp_view_set_flags(v, &after_fail, &err);
    c = pp_view_apply_async(v, "hello", NULL, 0, &err);
    CHECK(pp_async_wait(c, 30, &err) == 0, "wait c: %s", err.msg);
    CHECK(pp_async_first_error(c, &err) != 0, "c ran despite f failing");
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%016llx", (unsigned long long)after_f);
    CHECK(strstr(err.msg, idtext) && strstr(err.msg, "on purpose"),
          "c's error does not name f: %s", err.msg);
    printf("a dependent of a failed task says: %s\n", err.msg);
    pp_async_destroy(&c);
    pp_async_destroy(&f);

    /* retries: a task that always fails is tried on both engines, then
     * reported with the last error. */
    pp_task_opts retry = { .retries = 5 };
    pp_view_set_flags(v, &retry, &err);
    CHECK(pp_view_apply(v, "fail", &why, 1, NULL, &err) != 0,
          "fail succeeded");
    CHECK(strstr(err.msg, "no other engine is left")
              && strstr(err.msg, "on purpose"),
          "retry error: %s", err.msg);
    printf("a task that failed everywhere says: %s\n", err.msg);

    /* timeout: both engines busy for 1 s, a task allowed 0.2 s to start. */
    pp_view_set_flags(v, NULL, &err);
    double busy = 1.0;
    pp_value_borrow(&arg, PP_T_F64, &busy, sizeof busy);
    pp_async *hogs = NULL;
    pp_value seq;
    double two[2] = { busy, busy };
    pp_value_borrow(&seq, PP_T_F64, two, sizeof two);
    hogs = pp_view_map_async(v, "sleep", &seq, 1, NULL, 0, &err);
    pp_task_opts hurry = { .timeout_s = 0.2 };
    pp_view_set_flags(v, &hurry, &err);
    CHECK(pp_view_apply(v, "hello", NULL, 0, NULL, &err) != 0,
          "a task ran although no engine was free");
    CHECK(strstr(err.msg, "without an engine to start it") != NULL,
          "timeout error: %s", err.msg);
    printf("a task that could not start says: %s\n", err.msg);

    /* A timeout out of range is refused by the client, before anything
     * is sent: by the view (its flags stay), and by a submit. */
    pp_task_opts bad = { .timeout_s = -1 };
    CHECK(pp_view_set_flags(v, &bad, &err) == PP_EINVAL
              && strcmp(err.msg, "task timeout: -1 s is out of range (0 to "
                                 "2592000 s; 0: no limit)")
                     == 0,
          "negative timeout: %s", err.msg);
    pp_task_opts month = { .timeout_s = 31 * 86400.0 };
    pp_async *never = NULL;
    pp_value one;
    CHECK(pp_value_str(&one, "x") == 0, "out of memory");
    CHECK(pp_client_submit(client, &never, PP_TASK_APPLY, "echo", -1, 0,
                           &month, &one, 1, &err)
                  == PP_EINVAL
              && strcmp(err.msg, "task timeout: 2.6784e+06 s is out of "
                                 "range (0 to 2592000 s; 0: no limit)")
                     == 0
              && never == NULL,
          "31 days: %s", err.msg);
    printf("a task with a timeout of 31 days says: %s\n", err.msg);
    pp_async_wait(hogs, 30, &err);
    pp_async_destroy(&hogs);
    pp_async_destroy(&b);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* The engine (0 or 1) with a task outstanding, from the status; -1 when
 * not exactly one has. */
static int32_t busy_engine(void)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(client, &json, &err))
        return -1;
    json_t *root = json_loads(json, 0, NULL);
    free(json);
    int32_t busy = -1, nbusy = 0;
    json_t *engines = json_object_get(root, "engines");
    for (size_t i = 0; i < json_array_size(engines); i++) {
        json_t *e = json_array_get(engines, i);
        if (json_integer_value(json_object_get(e, "outstanding")) > 0) {
            busy = (int32_t)json_integer_value(json_object_get(e, "id"));
            nbusy++;
        }
    }
    json_decref(root);
    return nbusy == 1 ? busy : -1;
}

/* requeue-timeout: a task allowed 0.5 s to start runs on an engine that
 * is killed 0.7 s in; retried, it waits about 0.3 s for the other engine
 * (busy until then) and runs there: its start timeout counts from when it
 * was queued again, not from its first submission. */
static void mode_requeue_timeout(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    double hog_s = 1.6, task_s = 1.0;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_F64, &hog_s, sizeof hog_s);
    pp_async *hog = pp_view_apply_async(v, "sleep", &arg, 1, &err);
    int32_t hog_engine = -1;
    for (int i = 0; i < 200 && hog_engine < 0; i++) {
        hog_engine = busy_engine();
        sleep_s(0.01);
    }
    CHECK(hog_engine >= 0, "the hog did not start");
    pp_task_opts flags = { .retries = 1, .timeout_s = 0.5 };
    pp_view_set_flags(v, &flags, &err);
    pp_value_borrow(&arg, PP_T_F64, &task_s, sizeof task_s);
    pp_async *t = pp_view_apply_async(v, "sleep", &arg, 1, &err);
    int32_t victim = 1 - hog_engine;
    long pid = engine_pid(victim);
    CHECK(pid > 0, "no pid for engine %d", victim);
    /* Killed after 0.7 s: declared dead 0.6 s later (heartbeats 0.2 s x
     * 3), 1.3 s after its first submission, when the hog has 0.3 s left. */
    sleep_s(0.7);
    kill((pid_t)pid, SIGKILL);
    CHECK(pp_async_wait(t, 30, &err) == 0, "wait: %s", err.msg);
    CHECK(pp_async_first_error(t, &err) == 0,
          "the retried task failed: %s", err.msg);
    const pp_task_meta *m = pp_async_meta(t, 0);
    CHECK(m && m->engine == hog_engine, "the task ran on engine %d, not %d",
          m ? m->engine : -1, hog_engine);
    printf("a task retried 1.3 s after its submission, allowed 0.5 s to "
           "start, ran on engine %d\n", m ? m->engine : -1);
    pp_async_wait(hog, 30, &err);
    pp_async_destroy(&t);
    pp_async_destroy(&hog);
    pp_view_destroy(&v);
}

/* follow: tasks run on the engine where the tasks they follow ran (3
 * engines: without it, six at once would spread), and fail by name when
 * those ran on two engines, failed, or their engine is gone. */
static pp_async *submit_following(pp_view *v, const uint64_t *ids, size_t n,
                                  const char *workload, pp_value *arg)
{
    pp_error err = { 0 };
    pp_task_opts f = { .follow = ids, .nfollow = n };
    CHECK(pp_view_set_flags(v, &f, &err) == 0, "follow: %s", err.msg);
    pp_async *a = pp_view_apply_async(v, workload, arg, arg ? 1 : 0, &err);
    CHECK(a != NULL, "submit %s: %s", workload, err.msg);
    pp_view_set_flags(v, NULL, &err);
    return a;
}

static void mode_follow(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    int64_t one = 1;
    pp_value one_v;
    pp_value_borrow(&one_v, PP_T_I64, &one, sizeof one);
    pp_async *a = pp_view_apply_async(v, "echo", &one_v, 1, &err);
    CHECK(pp_async_wait(a, 30, &err) == 0, "wait a: %s", err.msg);
    int32_t at = pp_async_meta(a, 0)->engine;
    uint64_t a_id = pp_async_task_id(a, 0);
    pp_async *f[6];
    for (int k = 0; k < 6; k++)
        f[k] = submit_following(v, &a_id, 1, "hello", NULL);
    for (int k = 0; k < 6; k++) {
        CHECK(pp_async_wait(f[k], 30, &err) == 0
                  && pp_async_first_error(f[k], &err) == 0,
              "follower %d: %s", k, err.msg);
        CHECK(pp_async_meta(f[k], 0)->engine == at,
              "follower %d ran on engine %d, not %d", k,
              pp_async_meta(f[k], 0)->engine, at);
        pp_async_destroy(&f[k]);
    }
    printf("6 tasks following a task of engine %d ran there\n", at);

    /* Tasks of two engines: nowhere to run both. */
    int64_t t0 = 0, t1 = 1;
    pp_view *d0 = pp_client_direct(client, &t0, 1, &err);
    pp_view *d1 = pp_client_direct(client, &t1, 1, &err);
    pp_async *on0 = pp_view_apply_async(d0, "echo", &one_v, 1, &err);
    pp_async *on1 = pp_view_apply_async(d1, "echo", &one_v, 1, &err);
    uint64_t both[2] = { pp_async_task_id(on0, 0), pp_async_task_id(on1, 0) };
    pp_async *split = submit_following(v, both, 2, "hello", NULL);
    char want[300];
    snprintf(want, sizeof want,
             "follows tasks that ran on different engines: task %016llx "
             "on engine 0, task %016llx on engine 1",
             (unsigned long long)both[0], (unsigned long long)both[1]);
    check_fails_with(split, "split", want);
    /* A direct view names its engines: follow is refused there. */
    pp_task_opts fd = { .follow = both, .nfollow = 1 };
    CHECK(pp_view_set_flags(d0, &fd, &err) == PP_EINVAL
              && strcmp(err.msg, "follow is for a load-balanced view's "
                                 "tasks (a direct view names its engines)")
                     == 0,
          "direct follow: '%s'", err.msg);
    pp_async_destroy(&split);

    /* A failed task: its followers fail naming it. */
    pp_value why_v;
    pp_value_borrow(&why_v, PP_T_STR, "no luck", 7);
    pp_async *bad = pp_view_apply_async(v, "fail", &why_v, 1, &err);
    uint64_t bad_id = pp_async_task_id(bad, 0);
    pp_async *after_bad = submit_following(v, &bad_id, 1, "hello", NULL);
    CHECK(pp_async_wait(after_bad, 30, &err) == 0, "wait: %s", err.msg);
    const pp_values *got;
    CHECK(pp_async_result(after_bad, 0, &got, &err) != 0
              && strstr(err.msg, "which failed") && strstr(err.msg, "no luck"),
          "after a failed task: '%s'", err.msg);
    pp_async_destroy(&after_bad);
    pp_async_destroy(&bad);

    /* The result followed destroyed while the follower waits (and the
     * same with after): it fails naming it, at once, not never. */
    double half = 0.5;
    pp_value half_v;
    pp_value_borrow(&half_v, PP_T_F64, &half, sizeof half);
    for (int k = 0; k < 2; k++) {
        pp_async *d = pp_view_apply_async(v, "sleep", &half_v, 1, &err);
        uint64_t d_id = pp_async_task_id(d, 0);
        pp_async *w;
        if (k == 0) {
            w = submit_following(v, &d_id, 1, "hello", NULL);
        } else {
            pp_task_opts o = { .after = &d_id, .nafter = 1 };
            pp_view_set_flags(v, &o, &err);
            w = pp_view_apply_async(v, "hello", NULL, 0, &err);
            pp_view_set_flags(v, NULL, &err);
        }
        pp_async_destroy(&d);
        snprintf(want, sizeof want,
                 "depends on task %016llx, which this client does not know "
                 "(was its result destroyed?)",
                 (unsigned long long)d_id);
        check_fails_with(w, k ? "after a destroyed result"
                              : "follower of a destroyed result", want);
        pp_async_destroy(&w);
    }

    /* The engine gone: a follower queued behind its running task fails
     * when it goes, and one submitted afterwards at once. */
    double nap = 30;
    pp_value nap_v;
    pp_value_borrow(&nap_v, PP_T_F64, &nap, sizeof nap);
    pp_async *busy = submit_following(v, &a_id, 1, "sleep", &nap_v);
    pp_async *queued = submit_following(v, &a_id, 1, "hello", NULL);
    sleep_s(0.3);
    long pid = engine_pid(at);
    CHECK(pid > 0, "no pid for engine %d", at);
    kill((pid_t)pid, SIGKILL);
    snprintf(want, sizeof want,
             "the task follows tasks that ran on engine %d, which is gone",
             at);
    check_fails_with(queued, "queued follower", want);
    CHECK(pp_async_wait(busy, 30, &err) == 0, "wait busy: %s", err.msg);
    CHECK(pp_async_first_error(busy, &err) != 0,
          "the running follower did not fail with its engine");
    pp_async *late = submit_following(v, &a_id, 1, "hello", NULL);
    check_fails_with(late, "late follower", want);
    printf("followers of engine %d failed when it went: '%s'\n", at, want);
    pp_async_destroy(&late);
    pp_async_destroy(&queued);
    pp_async_destroy(&busy);
    pp_async_destroy(&on1);
    pp_async_destroy(&on0);
    pp_view_destroy(&d1);
    pp_view_destroy(&d0);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

/* The engines' ids in the status, up to max; the count. */
static size_t engine_ids(int32_t *ids, size_t max)
{
    char *json = NULL;
    pp_error err;
    if (pp_client_status(client, &json, &err))
        return 0;
    json_t *root = json_loads(json, 0, NULL);
    free(json);
    json_t *engines = json_object_get(root, "engines");
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(engines) && n < max; i++)
        ids[n++] = (int32_t)json_integer_value(
            json_object_get(json_array_get(engines, i), "id"));
    json_decref(root);
    return n;
}

/* follow-stop: the engine followed hangs (SIGSTOP).  Briefly (0.3 s,
 * within the heartbeats' patience of 1.5 s): the followers submitted
 * meanwhile wait for it, though two other engines are free, and run there
 * when it goes on.  Past the patience (3 s): the follower it runs and the
 * one queued for it fail; continued, it registers again under a new id
 * and its late result is not taken for the failed follower's; a task
 * following the old id fails, others run. */
static void mode_follow_stop(void)
{
    pp_error err = { 0 };
    pp_view *v = pp_client_balanced(client, &err);
    int64_t one = 1;
    pp_value one_v;
    pp_value_borrow(&one_v, PP_T_I64, &one, sizeof one);
    pp_async *a = pp_view_apply_async(v, "echo", &one_v, 1, &err);
    CHECK(pp_async_wait(a, 30, &err) == 0, "wait a: %s", err.msg);
    int32_t at = pp_async_meta(a, 0)->engine;
    uint64_t a_id = pp_async_task_id(a, 0);
    long pid = engine_pid(at);
    CHECK(pid > 0, "no pid for engine %d", at);
    if (pid <= 0)
        return;

    kill((pid_t)pid, SIGSTOP);
    pp_async *f[3];
    for (int k = 0; k < 3; k++)
        f[k] = submit_following(v, &a_id, 1, "hello", NULL);
    sleep_s(0.3);
    for (int k = 0; k < 3; k++)
        CHECK(!pp_async_ready(f[k]),
              "follower %d ended while its engine was stopped", k);
    kill((pid_t)pid, SIGCONT);
    for (int k = 0; k < 3; k++) {
        CHECK(pp_async_wait(f[k], 30, &err) == 0
                  && pp_async_first_error(f[k], &err) == 0,
              "follower %d after the brief hang: %s", k, err.msg);
        CHECK(pp_async_meta(f[k], 0)->engine == at,
              "follower %d ran on engine %d, not %d", k,
              pp_async_meta(f[k], 0)->engine, at);
        pp_async_destroy(&f[k]);
    }
    printf("3 followers of engine %d, hung 0.3 s, ran there\n", at);

    double nap = 1;
    pp_value nap_v;
    pp_value_borrow(&nap_v, PP_T_F64, &nap, sizeof nap);
    pp_async *running = submit_following(v, &a_id, 1, "sleep", &nap_v);
    pp_async *queued = submit_following(v, &a_id, 1, "hello", NULL);
    sleep_s(0.2);
    kill((pid_t)pid, SIGSTOP);
    char want[200];
    snprintf(want, sizeof want,
             "the task follows tasks that ran on engine %d, which is gone",
             at);
    check_fails_with(queued, "follower queued for the hung engine", want);
    CHECK(pp_async_wait(running, 30, &err) == 0, "wait: %s", err.msg);
    CHECK(pp_async_first_error(running, &err) != 0
              && strstr(err.msg, "died (no heartbeat"),
          "the follower running on the hung engine: '%s'",
          pp_async_first_error(running, &err) ? err.msg : "no error");
    sleep_s(1);
    kill((pid_t)pid, SIGCONT);
    /* Back: a fourth id, the old one gone. */
    int32_t ids[8];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        n = engine_ids(ids, 8);
        if (n == 3)
            break;
        sleep_s(0.01);
    }
    CHECK(n == 3, "%zu engines after the hung one went on", n);
    for (size_t i = 0; i < n; i++)
        CHECK(ids[i] != at, "engine %d is listed again", at);
    /* Its result of the nap, 1 s after it went on, reaches no one. */
    sleep_s(1.2);
    CHECK(pp_async_first_error(running, &err) != 0
              && strstr(err.msg, "died (no heartbeat"),
          "the failed follower became '%s'",
          pp_async_first_error(running, &err) ? err.msg : "a success");
    pp_async *late = submit_following(v, &a_id, 1, "hello", NULL);
    check_fails_with(late, "follower of the old id", want);
    pp_async *plain = pp_view_apply_async(v, "echo", &one_v, 1, &err);
    CHECK(pp_async_wait(plain, 30, &err) == 0
              && pp_async_first_error(plain, &err) == 0,
          "a task after the hang: %s", err.msg);
    printf("engine %d hung 3 s: its followers failed: '%s'\n", at, want);
    pp_async_destroy(&plain);
    pp_async_destroy(&late);
    pp_async_destroy(&queued);
    pp_async_destroy(&running);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: balanced MODE CLIENT_JSON [ARGS]\n");
        return 2;
    }
    pp_error err = { 0 };
    client = pp_client_connect(argv[2], 5, &err);
    if (!client) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "slow") == 0)
        mode_slow();
    else if (strcmp(mode, "requeue-timeout") == 0)
        mode_requeue_timeout();
    else if (strcmp(mode, "kill9") == 0)
        mode_kill(SIGKILL, 1, (int32_t)atoi(argv[3]));
    else if (strcmp(mode, "kill9-noretry") == 0)
        mode_kill(SIGKILL, 0, (int32_t)atoi(argv[3]));
    else if (strcmp(mode, "term") == 0)
        mode_kill(SIGTERM, 0, (int32_t)atoi(argv[3]));
    else if (strcmp(mode, "join") == 0 && argc == 5)
        mode_join(argv[3], argv[4]);
    else if (strcmp(mode, "many") == 0)
        mode_many();
    else if (strcmp(mode, "flags") == 0)
        mode_flags();
    else if (strcmp(mode, "follow") == 0)
        mode_follow();
    else if (strcmp(mode, "follow-stop") == 0)
        mode_follow_stop();
    else {
        fprintf(stderr, "unknown mode %s\n", mode);
        failures++;
    }
    pp_client_destroy(&client);
    return failures ? 1 : 0;
}
