/* soak.c - a long run of tiny tasks through the balanced scheduler of a
 * running cluster, to show that nothing is lost and that the controller's
 * memory does not grow with the number of tasks done.
 *
 * Task i runs `echo` on the one-item i64 array [i] (or `noop`, which
 * returns nothing), so a lost, duplicated or misrouted result shows up as a
 * missing or wrong value.  Tasks go out in batches of BATCH, at most
 * INFLIGHT batches at once: each batch is its own async result, checked and
 * destroyed as soon as it is complete, so neither the client nor the
 * controller ever holds more than BATCH * INFLIGHT tasks.
 *
 * One line per window (WINDOWS of them over the run: tasks done, tasks/s in
 * the window and so far, what the controller holds), and a summary that
 * compares the controller's counters before and after: tasks_done must grow
 * by exactly TASKS, with no failure, retry or dropped message.  Exits 1 if
 * anything was lost or wrong.  The lines start with "soak:" and the window
 * lines with "soak: window", so a script can act on each as it appears
 * (bench/soak samples the controller's RSS there).
 *
 * usage: soak CLIENT_JSON [TASKS [BATCH [INFLIGHT [WINDOWS [WORKLOAD]]]]] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipar/view.h"
#include "wire.h"

typedef struct counters {
    long long pid;
    long long done, failed, retried, queued, outstanding;
    long long dropped; /* every count under "dropped", summed */
    long long engine_done; /* the sum over the alive engines */
    size_t engines;
} counters;

static long long get_int(json_t *obj, const char *key)
{
    return (long long)json_integer_value(json_object_get(obj, key));
}

static int read_counters(pp_client *c, counters *out, pp_error *err)
{
    char *text = NULL;
    int rc = pp_client_status(c, &text, err);
    if (rc)
        return rc;
    json_t *root = json_loads(text, 0, NULL);
    free(text);
    if (!root)
        return pp_error_set(err, PP_EPROTO, "status: not JSON");
    json_t *dropped = json_object_get(root, "dropped");
    json_t *engines = json_object_get(root, "engines");
    *out = (counters){
        .pid = get_int(root, "pid"),
        .done = get_int(root, "tasks_done"),
        .failed = get_int(root, "tasks_failed"),
        .retried = get_int(root, "tasks_retried"),
        .queued = get_int(root, "tasks_queued"),
        .outstanding = get_int(root, "tasks_outstanding"),
        .engines = json_array_size(engines),
    };
    const char *key;
    json_t *count;
    /* Whatever kinds of drop the controller counts (bad signature,
     * replayed, over the backlog, ...): none may happen in a soak. */
    json_object_foreach(dropped, key, count)
        out->dropped += (long long)json_integer_value(count);
    for (size_t i = 0; i < json_array_size(engines); i++)
        out->engine_done +=
            get_int(json_array_get(engines, i), "tasks_done");
    json_decref(root);
    return 0;
}

typedef struct tally {
    long long ok;
    long long failed;  /* the task reported an error */
    long long wrong;   /* finished, but not with the expected value */
    long long missing; /* never finished within the timeout */
} tally;

/* Checks every task of a finished (or timed-out) batch whose first task
 * carried the value first. */
static void check_batch(pp_async *a, long long first, bool echo, tally *t)
{
    static int reported;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        long long want = first + (long long)i;
        if (!pp_async_task_done(a, i)) {
            t->missing++;
            if (reported++ < 10)
                fprintf(stderr, "soak: task %lld never finished\n", want);
            continue;
        }
        const pp_values *vals = NULL;
        pp_error err = { 0 };
        if (pp_async_result(a, i, &vals, &err)) {
            t->failed++;
            if (reported++ < 10)
                fprintf(stderr, "soak: task %lld failed: %s\n", want,
                        err.msg);
            continue;
        }
        bool right;
        if (echo)
            right = vals->n == 1 && vals->v[0].type == PP_T_I64
                 && pp_value_count(&vals->v[0]) == 1
                 && pp_value_i64s(&vals->v[0])[0] == want;
        else
            right = vals->n == 0;
        if (right) {
            t->ok++;
        } else {
            t->wrong++;
            if (reported++ < 10)
                fprintf(stderr,
                        "soak: task %lld came back with %zu value(s)%s%lld\n",
                        want, vals->n,
                        vals->n && vals->v[0].type == PP_T_I64
                                && vals->v[0].size >= 8
                            ? ", the first "
                            : "",
                        vals->n && vals->v[0].type == PP_T_I64
                                && vals->v[0].size >= 8
                            ? (long long)pp_value_i64s(&vals->v[0])[0]
                            : 0LL);
        }
    }
}

static long parse_arg(int argc, char **argv, int i, long dflt, long min,
                      const char *name)
{
    if (argc <= i)
        return dflt;
    char *end;
    long v = strtol(argv[i], &end, 10);
    if (*end || v < min) {
        fprintf(stderr, "soak: %s must be an integer >= %ld, not '%s'\n",
                name, min, argv[i]);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 7) {
        fprintf(stderr, "usage: soak CLIENT_JSON [TASKS [BATCH [INFLIGHT "
                        "[WINDOWS [echo|noop]]]]]\n"
                        "defaults: 1000000 tasks, batches of 1000, 8 "
                        "batches in flight, 10 windows, echo\n");
        return 2;
    }
    long long total = parse_arg(argc, argv, 2, 1000000, 1, "TASKS");
    long batch = parse_arg(argc, argv, 3, 1000, 1, "BATCH");
    long inflight = parse_arg(argc, argv, 4, 8, 1, "INFLIGHT");
    long windows = parse_arg(argc, argv, 5, 10, 1, "WINDOWS");
    const char *workload = argc > 6 ? argv[6] : "echo";
    bool echo = strcmp(workload, "echo") == 0;
    if (!echo && strcmp(workload, "noop") != 0) {
        fprintf(stderr, "soak: WORKLOAD is echo or noop, not '%s'\n",
                workload);
        return 2;
    }

    pp_error err = { 0 };
    pp_client *c = pp_client_connect(argv[1], 5, &err);
    pp_view *v = c ? pp_client_balanced(c, &err) : NULL;
    counters before, after;
    if (!v || read_counters(c, &before, &err)) {
        fprintf(stderr, "soak: %s\n", err.msg);
        return 1;
    }
    printf("soak: start: %lld %s tasks in batches of %ld, %ld batches in "
           "flight; controller pid %lld, %zu engines, %lld tasks done "
           "before\n",
           total, workload, batch, inflight, before.pid, before.engines,
           before.done);
    fflush(stdout);

    /* A ring of the batches in flight, oldest first. */
    pp_async **ring = calloc((size_t)inflight, sizeof *ring);
    long long *first = calloc((size_t)inflight, sizeof *first);
    if (!ring || !first) {
        fprintf(stderr, "soak: out of memory\n");
        return 1;
    }
    long head = 0, nring = 0;
    long long sent = 0, checked = 0, send_errors = 0;
    tally t = { 0 };
    int64_t t0 = pp_now_ns(), t_window = t0;
    long long done_window = 0;
    long window = 1;
    int rc = 0;
    while (checked < total) {
        /* Top up: whole batches while there is room. */
        while (nring < inflight && sent < total) {
            long slot = (head + nring) % inflight;
            long long n = total - sent < batch ? total - sent : batch;
            ring[slot] = NULL;
            first[slot] = sent;
            for (long long k = 0; k < n; k++) {
                int64_t x = sent + k;
                pp_value arg;
                int r;
                if (echo) {
                    r = pp_value_i64(&arg, &x, 1);
                    if (!r)
                        r = pp_view_submit(v, &ring[slot], workload, &arg, 1,
                                           &err);
                } else {
                    r = pp_view_submit(v, &ring[slot], workload, NULL, 0,
                                       &err);
                }
                /* A task that could not be sent is recorded as failed in
                 * its batch: counted there. */
                if (r && send_errors++ < 10)
                    fprintf(stderr, "soak: task %lld not sent: %s\n",
                            (long long)x, err.msg);
            }
            sent += n;
            nring++;
        }
        /* The oldest batch: wait for all of it, check it, let it go. */
        pp_async *a = ring[head];
        rc = pp_async_wait(a, 120, &err);
        if (rc && rc != PP_ETIMEDOUT) {
            fprintf(stderr, "soak: %s\n", err.msg);
            break;
        }
        if (rc == PP_ETIMEDOUT)
            fprintf(stderr, "soak: batch from task %lld: no progress for "
                            "120 s, counting what is missing\n",
                    first[head]);
        check_batch(a, first[head], echo, &t);
        checked += (long long)pp_async_len(a);
        pp_async_destroy(&ring[head]);
        head = (head + 1) % inflight;
        nring--;
        if (rc == PP_ETIMEDOUT)
            break;
        /* Window lines at every 1/WINDOWS of the run. */
        while (window <= windows && checked >= total * window / windows) {
            int64_t now = pp_now_ns();
            counters mid;
            if (read_counters(c, &mid, &err))
                mid = (counters){ .queued = -1, .outstanding = -1 };
            double dt = (double)(now - t_window) / 1e9;
            double all = (double)(now - t0) / 1e9;
            printf("soak: window %ld/%ld: %lld tasks checked, %.0f tasks/s "
                   "in the window, %.0f tasks/s so far; controller holds "
                   "%lld tasks (%lld queued)\n",
                   window, windows, checked,
                   dt > 0 ? (double)(checked - done_window) / dt : 0,
                   all > 0 ? (double)checked / all : 0, mid.outstanding,
                   mid.queued);
            fflush(stdout);
            t_window = now;
            done_window = checked;
            window++;
        }
    }
    double secs = (double)(pp_now_ns() - t0) / 1e9;
    /* Whatever a failure above left in flight is missing, not forgotten. */
    for (; nring > 0; nring--, head = (head + 1) % inflight) {
        check_batch(ring[head], first[head], echo, &t);
        pp_async_destroy(&ring[head]);
    }
    t.missing += total - sent;
    if (read_counters(c, &after, &err)) {
        fprintf(stderr, "soak: %s\n", err.msg);
        after = before;
        rc = rc ? rc : 1;
    }
    long long d_done = after.done - before.done;
    long long d_engines = after.engine_done - before.engine_done;
    long long d_failed = after.failed - before.failed;
    long long d_retried = after.retried - before.retried;
    long long d_dropped = after.dropped - before.dropped;
    printf("soak: done: %lld tasks in %.2f s: %.0f tasks/s; %lld right, "
           "%lld wrong, %lld failed, %lld missing, %lld not sent\n",
           total, secs, (double)total / secs, t.ok, t.wrong, t.failed,
           t.missing, send_errors);
    printf("soak: controller: tasks_done +%lld (engines +%lld), failed "
           "+%lld, retried +%lld, dropped messages +%lld, holds %lld tasks "
           "after\n",
           d_done, d_engines, d_failed, d_retried, d_dropped,
           after.outstanding);
    bool clean = t.ok == total && !t.wrong && !t.failed && !t.missing
              && !send_errors && d_done == total && d_failed == 0
              && d_retried == 0 && d_dropped == 0 && after.outstanding == 0
              && (after.engines != before.engines || d_engines == total);
    printf("soak: %s\n", clean ? "nothing lost" : "LOST OR WRONG RESULTS");
    free(ring);
    free(first);
    pp_view_destroy(&v);
    pp_client_destroy(&c);
    return clean && !rc ? 0 : 1;
}
