/* client.h - the client library: a connection to the controller, and the
 * async results of the tasks sent through it (ipyparallel's Client and
 * AsyncResult).
 *
 * A client is single-threaded: every call that waits also receives the
 * results of other outstanding tasks and files them with their async
 * result, so several maps and applies can be in flight at once.
 *
 * Ownership: pp_client_connect* and the views' calls hand out a client or
 * async result the caller owns and ends with pp_client_destroy /
 * pp_async_destroy (which set the caller's pointer to NULL).  Destroy a
 * client's async results and views before the client.  Pointers returned
 * by pp_async_* getters (values, metadata) are borrowed from the async
 * result and valid until it is destroyed.  Arrays and strings returned
 * through out-parameters (*ids, *json) are the caller's to free(). */
#ifndef PP_CLIENT_H
#define PP_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pipar/error.h>
#include <pipar/export.h>
#include <pipar/value.h>

typedef struct pp_client pp_client;
typedef struct pp_async pp_async;

/* Connects with a connection file (client.json, written by the
 * controller) and checks, within timeout_s, that the controller answers:
 * ipp.Client(url_file=...).  NULL with err set when it does not. */
PP_EXPORT pp_client *pp_client_connect(
    const char *client_json, double timeout_s, pp_error *err);

/* Connects to the cluster of a profile: ipp.Client(profile=...).  The
 * connection file is $PIPAR_DIR/profile_NAME/security/client.json
 * ($PIPAR_DIR defaults to ~/.pipar); profile NULL means "default".  With
 * no such file (no cluster was started), PP_ENOENT naming the file. */
PP_EXPORT pp_client *pp_client_connect_profile(
    const char *profile, double timeout_s, pp_error *err);

/* The connection file pp_client_connect_profile reads, into out. */
PP_EXPORT int pp_client_profile_file(
    const char *profile, char *out, size_t size, pp_error *err);

PP_EXPORT void pp_client_destroy(pp_client **client_p);

/* When *flag becomes non-zero (a signal handler sets it), waits return
 * PP_EINTR instead of going on. */
PP_EXPORT void pp_client_set_interrupt(
    pp_client *c, volatile sig_atomic_t *flag);

/* While tasks are in flight and the controller is quiet, the client asks
 * it every second whether it is there.  After patience_s seconds without
 * any answer (10 by default), or when a controller restarted in between
 * answers, the tasks in flight fail with a message saying so: a wait never
 * hangs on a controller that is gone. */
PP_EXPORT void pp_client_set_patience(pp_client *c, double patience_s);

/* The ids of the registered engines, ascending; caller frees *ids.  The
 * first call within 50 ms of pp_client_connect answers from the connect's
 * own exchange with the controller, without asking again. */
PP_EXPORT int pp_client_ids(
    pp_client *c, int64_t **ids, size_t *n, pp_error *err);

/* The controller's status as JSON text; caller frees *json. */
PP_EXPORT int pp_client_status(pp_client *c, char **json, pp_error *err);

/* What a task held for its `after` tasks gets from them when they are
 * done: nothing (the default), or their result values, in the order of
 * `after`, in front of its own values: copied, or moved (the dependency's
 * result is left empty: for a tree of merges, where each result feeds one
 * task and need not stay in the client), or shared: copied while other
 * held tasks still wait for it (whichever way they take it), moved to
 * the last of them, so the result is left empty once no held task takes
 * it (a graph whose results feed several tasks each, none kept in the
 * client longer than needed; the tasks of one view call share it alike).
 * A task that takes a result already moved or let go fails naming it. */
typedef enum pp_after_args {
    PP_AFTER_NONE = 0,
    PP_AFTER_COPY,
    PP_AFTER_MOVE,
    PP_AFTER_SHARE,
} pp_after_args;

/* How a task is run (ipyparallel's flags on a load-balanced view). */
typedef struct pp_task_opts {
    int retries; /* run again elsewhere if it fails or its engine dies */
    double timeout_s; /* how long it may wait to start; 0: no limit */
    const uint64_t *after; /* task ids that must succeed first */
    size_t nafter;
    pp_after_args after_args;
    double time_limit_s; /* how long it may run; 0: no limit.  Past it
                            (and a grace of 1 s) the engine's supervisor
                            kills the worker and restarts it: the task
                            fails naming the limit, or is retried */
    const uint32_t *after_take; /* with after_args, nafter masks: of the
                                   result of after[i], the values k whose
                                   bit k is set in after_take[i] (a task
                                   that reads a few of them: the others do
                                   not travel); NULL: all.  A bit past the
                                   result's values fails the task.  Moved,
                                   the values not taken are freed too */
    const uint64_t *follow; /* ipyparallel's follow: task ids this one
                               must run after (as after) and on the same
                               engine as, for what they left there (a
                               module's state, the namespace); all must
                               have run on one engine, or the task fails
                               naming both.  It fails too if that engine
                               is gone or fails it: there is nowhere else
                               to run.  Load-balanced tasks only */
    size_t nfollow;
} pp_task_opts;

/* The longest a task may wait to start, and the longest time limit: 30
 * days.  A task's timeout goes
 * on the wire in ms (header timeout_ms); more than this, a negative one or
 * NaN is refused before anything is sent. */
#define PP_TASK_TIMEOUT_MAX_S (30 * 86400)

/* One task of an async result, as it finished. */
typedef struct pp_task_meta {
    int32_t engine; /* which engine ran it; -1 before it finished */
    int64_t submitted; /* ns since the epoch */
    int64_t started;
    int64_t completed;
    int status; /* 0 or a PP_E code */
} pp_task_meta;

PP_EXPORT size_t pp_async_len(const pp_async *a);
/* Tasks finished so far (receiving what has arrived, without waiting). */
PP_EXPORT size_t pp_async_progress(pp_async *a);
PP_EXPORT bool pp_async_ready(pp_async *a);

/* Waits until every task finished or timeout_s passed (negative: no
 * limit).  Returns 0, PP_ETIMEDOUT or PP_EINTR; task failures are not
 * errors here (see pp_async_result). */
PP_EXPORT int pp_async_wait(pp_async *a, double timeout_s, pp_error *err);

/* pp_async_wait with a progress bar on out when it is a terminal (tasks
 * done / total, elapsed, rate, ETA), or one plain line every interval_s
 * when it is not. */
PP_EXPORT int pp_async_wait_interactive(
    pp_async *a, FILE *out, double interval_s, pp_error *err);

/* A word or two the progress display puts before the bar ("series",
 * "merge"), asked for at each update; NULL for none. */
typedef const char *pp_async_label_fn(pp_async *a, void *ctx);
PP_EXPORT void pp_async_set_label(
    pp_async *a, pp_async_label_fn *label, void *ctx);

/* Whether task i has finished (successfully or not), without waiting. */
PP_EXPORT bool pp_async_task_done(const pp_async *a, size_t i);

/* Waits for task i (in submission order) to finish: `for r in ar`,
 * iteration in order as results arrive. */
PP_EXPORT int pp_async_wait_one(
    pp_async *a, size_t i, double timeout_s, pp_error *err);

/* Iteration in completion order (ipyparallel's as_completed): waits
 * until a task finishes that this call has not returned yet and sets *i
 * to its index.  Returns 1 with *i set, 0 when every task has been
 * returned, or PP_ETIMEDOUT / PP_EINTR (call again to go on).  Each async
 * result has one such cursor. */
PP_EXPORT int pp_async_next(
    pp_async *a, size_t *i, double timeout_s, pp_error *err);

/* Task i's values (borrowed, valid while a lives), after it finished.  A
 * failed task returns its error, prefixed with the engine's id (PP_EREMOTE),
 * an aborted one PP_EABORTED, "aborted before it ran"; one whose values
 * went to the tasks after it (after_args move or share) PP_ENOENT. */
PP_EXPORT int pp_async_result(
    pp_async *a, size_t i, const pp_values **vals, pp_error *err);
PP_EXPORT const pp_task_meta *pp_async_meta(const pp_async *a, size_t i);
PP_EXPORT uint64_t pp_async_task_id(const pp_async *a, size_t i);

/* The first failed task's error, or 0 when all succeeded. */
PP_EXPORT int pp_async_first_error(pp_async *a, pp_error *err);

/* Timings of the finished tasks, in seconds: wall is first submission to
 * last completion, serial the sum of the tasks' own run times (their
 * ratio is the speedup). */
typedef struct pp_async_timing {
    double wall;
    double serial;
    size_t done;
    size_t failed;
} pp_async_timing;
PP_EXPORT void pp_async_timing_get(const pp_async *a, pp_async_timing *t);

/* Concatenates the first value of every task (i64 or f64 arrays, all of
 * one type) in task order: the result of a map.  *out is owned by the
 * caller.  Fails with the first failed task's error. */
PP_EXPORT int pp_async_gather(pp_async *a, pp_value *out, pp_error *err);

/* What an abort did (ipyparallel's AsyncResult.abort / Client.abort). */
typedef struct pp_abort_counts {
    size_t aborted; /* had not gone to an engine: they failed with
                       PP_EABORTED, "aborted before it ran" */
    size_t running; /* already at an engine: the running one finishes
                       and its result comes as usual; those queued there
                       (--hwm above 1) are skipped by the engine and fail
                       with PP_EABORTED; none runs again elsewhere */
    size_t unknown; /* the controller did not have them (finished
                       meanwhile, or lost with a restarted controller) */
} pp_abort_counts;

/* Aborts a's tasks that have not finished: those held in this client for
 * their `after` tasks and those the controller still holds (queued,
 * waiting for a retry, or for an engine not connected) fail with
 * PP_EABORTED; of those already at an engine, the running ones finish
 * (no engine is interrupted) and those queued there are skipped by it
 * (PP_EABORTED too, a little later).  Tasks held for an aborted one fail
 * as for any failed dependency.  Waits for the controller's answer at most
 * the client's patience (pp_client_set_patience) for each request (a
 * long result's ids go in several, each within 65,536 ids and the
 * controller's frame limit, --max-message-size); by then the aborted
 * tasks are failed in a, so a later wait ends once the running ones
 * finish.  The client's interrupt flag does not cut this wait short: it
 * is what a program does after an interrupt.  counts may be NULL.
 * Returns 0, or PP_ETIMEDOUT ("no answer from the controller at ... to
 * the abort within S s": the tasks may or may not have been aborted) or
 * another error with err set.  Same thread as the client, like every
 * call on it. */
PP_EXPORT int pp_async_abort(
    pp_async *a, pp_abort_counts *counts, pp_error *err);

/* Aborts every task of this client that the controller still holds,
 * whichever async result it belongs to, even a destroyed one (a program
 * that stops after an interrupt).  Tasks held in the client for `after`
 * are not touched.  As pp_async_abort otherwise. */
PP_EXPORT int pp_client_abort_all(
    pp_client *c, pp_abort_counts *counts, pp_error *err);

PP_EXPORT void pp_async_destroy(pp_async **a_p);

/* Stops engines (ipyparallel's Client.shutdown): those named in ids[0..n)
 * or, with ids NULL, every engine.  Each finishes the tasks it already
 * holds, then leaves as on SIGTERM (its balanced tasks still queued go to
 * the others; its supervisor does not restart it).  With controller, the
 * controller stops too, once its engines have gone (3 s at most).  *told
 * (may be NULL): how many engines were told.  An id no engine has:
 * PP_ENOENT ("no engine 5 is registered (engines: 0, 1); nothing was
 * stopped").  PP_ETIMEDOUT if the controller does not answer within the
 * client's patience. */
PP_EXPORT int pp_client_shutdown(pp_client *c, const int64_t *ids,
    size_t n, bool controller, size_t *told, pp_error *err);

#endif
