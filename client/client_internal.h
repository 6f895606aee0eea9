/* client_internal.h - the client's state, shared by client.c (connection,
 * submission, receiving) and async.c (async results). */
#ifndef PP_CLIENT_INTERNAL_H
#define PP_CLIENT_INTERNAL_H

#include "client.h"
#include "idmap.h"

typedef struct async_slot {
    uint64_t id;
    bool done;
    bool sent; /* reached the wire: the controller is answerable for it */
    pp_task_meta meta;
    pp_values vals;
    char *error; /* the engine's or controller's text, when failed */
} async_slot;

struct pp_async {
    pp_client *client;
    async_slot *slots;
    size_t n;
    size_t cap;
    size_t done;
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
    size_t nafter;
    pp_after_args after_args;
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
};

/* Receives and handles one message, waiting at most until deadline (ns,
 * INT64_MAX: no limit).  When it is the reply to request want_id (not 0),
 * its values go to out and *got is set.  0, PP_ETIMEDOUT or PP_EINTR. */
int client_pump(pp_client *c, int64_t deadline, uint64_t want_id,
                bool *got, pp_values *out, pp_error *err);

/* Marks slot i of a finished with an error text (nothing is lost). */
void async_fail_slot(pp_async *a, size_t i, int code, const char *text);

/* Forgets what the client keeps for a's tasks (before a is freed). */
void client_forget_async(pp_client *c, pp_async *a);

#endif
