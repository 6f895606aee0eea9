/* client.h - the client library: a connection to the controller, and the
 * async results of the tasks sent through it.
 *
 * A client is single-threaded: every call that waits also receives the
 * results of other outstanding tasks and files them with their async
 * result, so several maps and applies can be in flight at once.  Destroy a
 * client's async results before the client. */
#ifndef PP_CLIENT_H
#define PP_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "value.h"
#include "wire.h"

typedef struct pp_client pp_client;
typedef struct pp_async pp_async;

/* Connects with client.json and checks, within timeout_s, that the
 * controller answers.  Caller owns the client (pp_client_destroy). */
pp_client *pp_client_connect(const char *client_json, double timeout_s,
                             pp_error *err);
void pp_client_destroy(pp_client **client_p);

/* When *flag becomes non-zero (a signal handler sets it), waits return
 * PP_EINTR instead of going on. */
void pp_client_set_interrupt(pp_client *c, volatile sig_atomic_t *flag);

/* While tasks are in flight and the controller is quiet, the client asks
 * it every second whether it is there.  After patience_s seconds without
 * any answer (10 by default), or when a controller restarted in between
 * answers, the tasks in flight fail with a message saying so: a wait never
 * hangs on a controller that is gone. */
void pp_client_set_patience(pp_client *c, double patience_s);

/* The ids of the registered engines, ascending; caller frees *ids. */
int pp_client_ids(pp_client *c, int64_t **ids, size_t *n, pp_error *err);

/* The controller's status as JSON text; caller frees *json. */
int pp_client_status(pp_client *c, char **json, pp_error *err);

/* What a task held for its `after` tasks gets from them when they are
 * done: nothing (the default), or their result values, in the order of
 * `after`, in front of its own values: copied, or moved (the dependency's
 * result is left empty: for a tree of merges, where each result feeds one
 * task and need not stay in the client). */
typedef enum pp_after_args {
    PP_AFTER_NONE = 0,
    PP_AFTER_COPY,
    PP_AFTER_MOVE,
} pp_after_args;

/* How a task is run (ipyparallel's flags on a load-balanced view). */
typedef struct pp_task_opts {
    int retries;     /* run again elsewhere if it fails or its engine dies */
    double timeout_s; /* how long it may wait to start; 0: no limit */
    const uint64_t *after; /* task ids that must succeed first */
    size_t nafter;
    pp_after_args after_args;
} pp_task_opts;

/* The longest a task may wait to start: 30 days.  A task's timeout goes
 * on the wire in ms (header timeout_ms); more than this, a negative one or
 * NaN is refused before anything is sent. */
#define PP_TASK_TIMEOUT_MAX_S (30 * 86400)

/* timeout_s as the header's timeout_ms: 0 stays 0 (no limit), anything
 * above rounds to whole ms, at least 1 (a positive timeout never becomes
 * no limit).
 * PP_EINVAL outside 0 to PP_TASK_TIMEOUT_MAX_S: "task timeout: -1 s is out
 * of range (0 to 2592000 s; 0: no limit)". */
int pp_task_timeout_ms(double timeout_s, int64_t *ms, pp_error *err);

/* One task of an async result, as it finished. */
typedef struct pp_task_meta {
    int32_t engine;    /* which engine ran it; -1 before it finished */
    int64_t submitted; /* ns since the epoch */
    int64_t started;
    int64_t completed;
    int status;        /* 0 or a PP_E code */
} pp_task_meta;

/* Sends one task (or holds it until its `after` tasks succeed).  vals are
 * consumed.  engine is the target, or -1 for the balanced scheduler; opts
 * may be NULL.  The task joins async *a, created when *a is NULL; the
 * caller owns *a.  A task that could not be sent is recorded as failed
 * in *a (nothing is lost) and its error returned.  Options out of range
 * (pp_task_timeout_ms) are refused before the task joins *a. */
int pp_client_submit(pp_client *c, pp_async **a, pp_task_kind kind,
                     const char *workload, int32_t engine,
                     const pp_task_opts *opts, pp_value *vals, size_t n,
                     pp_error *err);

size_t pp_async_len(const pp_async *a);
/* Tasks finished so far (receiving what has arrived, without waiting). */
size_t pp_async_progress(pp_async *a);
bool pp_async_ready(pp_async *a);

/* Waits until every task finished or timeout_s passed (negative: no
 * limit).  Returns 0, PP_ETIMEDOUT or PP_EINTR; task failures are not
 * errors here (see pp_async_result). */
int pp_async_wait(pp_async *a, double timeout_s, pp_error *err);

/* pp_async_wait with a progress bar on out when it is a terminal (tasks
 * done / total, elapsed, rate, ETA), or one plain line every interval_s
 * when it is not. */
int pp_async_wait_interactive(pp_async *a, FILE *out, double interval_s,
                              pp_error *err);

/* A word or two the progress display puts before the bar ("series",
 * "merge"), asked for at each update; NULL for none. */
typedef const char *pp_async_label_fn(pp_async *a, void *ctx);
void pp_async_set_label(pp_async *a, pp_async_label_fn *label, void *ctx);

/* Whether task i has finished (successfully or not), without waiting. */
bool pp_async_task_done(const pp_async *a, size_t i);

/* Waits for task i (in submission order) to finish: iteration in order
 * as results arrive. */
int pp_async_wait_one(pp_async *a, size_t i, double timeout_s,
                      pp_error *err);

/* Task i's values (borrowed, valid while a lives), after it finished.  A
 * failed task returns its error, prefixed with the engine's id. */
int pp_async_result(pp_async *a, size_t i, const pp_values **vals,
                    pp_error *err);
const pp_task_meta *pp_async_meta(const pp_async *a, size_t i);
uint64_t pp_async_task_id(const pp_async *a, size_t i);

/* The first failed task's error, or 0 when all succeeded. */
int pp_async_first_error(pp_async *a, pp_error *err);

/* Timings of the finished tasks, in seconds: wall is first submission to
 * last completion, serial the sum of the tasks' own run times (their
 * ratio is the speedup). */
typedef struct pp_async_timing {
    double wall;
    double serial;
    size_t done;
    size_t failed;
} pp_async_timing;
void pp_async_timing_get(const pp_async *a, pp_async_timing *t);

/* Concatenates the first value of every task (i64 or f64 arrays, all of
 * one type) in task order: the result of a map.  *out is owned by the
 * caller.  Fails with the first failed task's error. */
int pp_async_gather(pp_async *a, pp_value *out, pp_error *err);

void pp_async_destroy(pp_async **a_p);

#endif
