/* client_internal.h - the client's state, shared by client.c (connection,
 * submission, receiving) and async.c (async results). */
#ifndef PP_CLIENT_INTERNAL_H
#define PP_CLIENT_INTERNAL_H

#include "idmap.h"
#include "pipar/client.h"
#include "pipar/view.h"
#include "wire.h"

/* timeout_s as the header's timeout_ms: 0 stays 0 (no limit), anything
 * above rounds to whole ms, at least 1 (a positive timeout never becomes
 * no limit).
 * PP_EINVAL outside 0 to PP_TASK_TIMEOUT_MAX_S: "task timeout: -1 s is out
 * of range (0 to 2592000 s; 0: no limit)". */
int pp_task_timeout_ms(double timeout_s, int64_t *ms, pp_error *err);
/* The same for a time limit (header limit_ms): "task time limit: ..." */
int pp_task_limit_ms(double limit_s, int64_t *ms, pp_error *err);

/* Sends one task (or holds it until its `after` tasks succeed).  vals are
 * consumed.  engine is the target, or -1 for the balanced scheduler; run
 * the controller's run whose numbering engine is in (0: unknown), which
 * the controller checks against its own; opts may be NULL.  The task joins async *a, created when *a is NULL; the
 * caller owns *a.  A task that could not be sent is recorded as failed
 * in *a (nothing is lost) and its error returned.  Options out of range
 * (pp_task_timeout_ms) are refused before the task joins *a.  Views call
 * this; a program uses the views. */
int pp_client_submit(pp_client *c, pp_async **a, pp_task_kind kind,
                     const char *workload, int32_t engine, int64_t run,
                     const pp_task_opts *opts, pp_value *vals, size_t n,
                     pp_error *err);

typedef struct async_slot {
    uint64_t id;
    bool done;
    bool sent; /* reached the wire: the controller is answerable for it */
    pp_task_meta meta;
    pp_values vals;
    char *error; /* the engine's or controller's text, when failed */
    uint32_t takers; /* held tasks that take vals (copy, move, share) */
    bool shared;     /* one of them shares: let vals go with the last */
    bool handed_on; /* vals were moved to a task or let go: later tasks
                       that take them fail */
    int64_t epoch;  /* the controller's run the result came from (its
                       RESULT's timeout_ms; else the client's epoch then):
                       a follower's engine id means nothing in another */
    int64_t heard;  /* the client's epoch when the result came: another
                       one now, and the client has heard a later run */
    bool asked;     /* in flight when the controller was found restarted:
                       named in the PENDING request pending_req */
} async_slot;

struct pp_async {
    pp_client *client;
    async_slot *slots;
    size_t n;
    size_t cap;
    size_t done;
    size_t *order; /* order[0..done): slots in the order they finished */
    size_t next;   /* pp_async_next's cursor into order */
    pp_async_label_fn *label;
    void *label_ctx;
};

/* Where a task's result goes.  Kept until its async result is destroyed,
 * so later tasks can depend on it. */
typedef struct task_ref {
    pp_async *a;
    size_t slot;
} task_ref;

/* A task waiting in the client for its `after` tasks. */
typedef struct held_task {
    pp_header h;
    pp_values vals; /* owned copies */
    uint64_t *after;
    uint32_t *take; /* NULL: all values of each after task */
    size_t nafter;
    pp_after_args after_args;
    uint64_t *follow; /* tasks it waits for too and must run beside */
    size_t nfollow;
} held_task;

struct pp_client {
    void *ctx;
    void *sock;
    pp_signer *signer;
    char endpoint[300];
    pp_idmap tasks; /* task id -> task_ref, for every live async result */
    held_task **held;
    size_t nheld;
    size_t cap_held;
    unsigned batch; /* >0: a view's call sends several tasks; the held
                       ones are released once, after the last */
    volatile sig_atomic_t *interrupt;
    uint64_t dropped;
    int64_t max_message; /* the controller's limit on one frame */
    /* Liveness: tasks sent and not answered, when the controller last said
     * anything, which run of it that was, and the ping asking it now. */
    size_t in_flight;
    int64_t last_heard_ns;
    int64_t epoch;
    int64_t ping_sent_ns;
    int64_t patience_ns;
    /* The PENDING request asking the controller which of the tasks in
     * flight it still has (0: none asked), when it was sent, and the run
     * the client knew before the drop or restart that made it ask. */
    uint64_t pending_req;
    int64_t pending_sent_ns;
    int64_t pending_run;
    void *monitor; /* PAIR: the socket's drops (pending.c); may be NULL */
    bool monitor_tried; /* opened (or tried) once a task had been in flight
                           for a second */
    int64_t in_flight_since_ns; /* when in_flight last left 0 */
    int64_t asked_ns; /* when the client last asked on its own (no drop) */
    /* The IDS reply of the connect's own check, and when it came: the
     * first pp_client_ids right after connecting answers from it instead
     * of asking again (a command's first step, one round trip less). */
    pp_values connect_ids;
    int64_t connect_ids_ns;
};

/* Receives and handles one message, waiting at most until deadline (ns,
 * INT64_MAX: no limit).  When it is the reply to request want_id (not 0),
 * its values go to out and *got is set.  0, PP_ETIMEDOUT or PP_EINTR. */
int client_pump(pp_client *c, int64_t deadline, uint64_t want_id,
                bool *got, pp_values *out, pp_error *err);

/* Fails every task in flight with why (only those named in the PENDING
 * request when asked_only): the controller that had them is gone, or
 * their results.  Their dependents fail in turn, naming them. */
void client_fail_lost(pp_client *c, const char *why, bool asked_only);

/* pending.c: tasks in flight across a dropped connection or a restarted
 * controller.  client_ask_pending asks the controller which of them it
 * still has (known_run: the controller's run the client knew before);
 * client_pending_answered fails the others when the answer comes;
 * client_pending_expired (true: tasks failed) gives up on an answer after
 * the client's patience (from its first question, when a drop or restart
 * asked again).  The monitor reports the socket's drops: opened once a
 * task has been in flight for a second, read when the pump's poll says
 * so, closed before the socket. */
void client_ask_pending(pp_client *c, int64_t known_run);
/* Asks without a drop or restart seen: once a task has been in flight for
 * a second (opening the monitor then), and every 2 s when there is no
 * monitor.  True when tasks failed. */
bool client_ask_on_own(pp_client *c, int64_t now);
void client_pending_answered(pp_client *c, const pp_header *h,
                             pp_values *vals);
bool client_pending_expired(pp_client *c, int64_t now);
void client_monitor_open(pp_client *c);
void client_monitor_read(pp_client *c);
void client_monitor_close(pp_client *c);

/* Marks slot i of a finished with an error text (nothing is lost). */
void async_fail_slot(pp_async *a, size_t i, int code, const char *text);

/* Sends the held tasks whose dependencies are now met, and fails those
 * whose dependencies failed. */
void client_release_held(pp_client *c);
void client_held_free(held_task *t);
/* Refuses an after_args that is none of pp_after_args's. */
int client_check_after_args(pp_after_args how, pp_error *err);
/* Frees a held task taken out of the client's list, first letting go of
 * the results it took: one that a task shared (PP_AFTER_SHARE), in and
 * taken by no other held task, is left empty. */
void client_held_drop(pp_client *c, held_task *t);

/* Forgets what the client keeps for a's tasks (before a is freed). */
void client_forget_async(pp_client *c, pp_async *a);

#endif
