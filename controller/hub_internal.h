/* hub_internal.h - the controller's state, shared by its files: hub.c (the
 * loop, registration, clients), balance.c (the balanced queue). */
#ifndef PP_HUB_INTERNAL_H
#define PP_HUB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "hub.h"
#include "idmap.h"
#include "policy.h"
#include "connfile.h"
#include "wire.h"

#define RID_MAX 64
#define HUB_MAX_EXCLUDED 8

typedef struct hub_engine {
    int32_t id;
    bool alive;
    uint8_t rid[RID_MAX];
    size_t rid_len;
    char host[64];
    long pid;
    int outstanding;          /* all tasks sent and not answered */
    int balanced_outstanding; /* the ones the scheduler chose it for */
    uint64_t tasks_done;
    int64_t registered_ns; /* these three on the monotonic clock */
    int64_t last_beat_ns;
    int64_t last_done_ns;
    int64_t attempt;          /* the engine's count of REGISTERs sent */
    int64_t refused[3];       /* the engine's own count, from its beats:
                                 replayed, stale, other dropped */
} hub_engine;

/* A task the hub knows: queued (engine -1) or running on an engine. */
typedef struct hub_task {
    uint64_t id;
    uint8_t client[RID_MAX];
    size_t client_len;
    int32_t engine;
    bool balanced;
    uint8_t kind;
    char name[PP_NAME_MAX];
    int64_t t_submit;
    int64_t queued_ns;      /* monotonic */
    int64_t timeout_ms;     /* how long it may wait to start; 0: forever */
    int retries_left;
    int32_t excluded[HUB_MAX_EXCLUDED]; /* engines it failed on */
    int nexcluded;
    zmq_msg_t *body;        /* balanced: kept until the result is in */
    int nbody;
    char *last_error;       /* why it failed last, before a retry */
} hub_task;

/* A double-ended queue of balanced tasks waiting for an engine.  Slots of
 * tasks taken from the middle hold NULL. */
typedef struct hub_queue {
    hub_task **slots;
    size_t cap; /* a power of two */
    size_t head;
    size_t len; /* slots in use, NULL ones included */
    size_t live;
} hub_queue;

typedef struct hub_drops {
    uint64_t bad_signature;
    uint64_t malformed;
    uint64_t unknown_sender;
    uint64_t replayed;
    uint64_t stale;
    uint64_t over_backlog; /* tasks refused: their client's backlog was full */
    uint64_t curve_refused; /* connections without the cluster's CURVE key */
} hub_drops;

typedef struct hub {
    const hub_config *cfg;
    void *ctx;
    void *engines_sock;
    void *clients_sock;
    void *events_sock;
    pp_signer *signer;
    void *zap_sock;            /* --curve: who may connect */
    char curve_secret[41];     /* --curve: the server's secret key, Z85 */
    uint8_t curve_client[32];  /* --curve: the one client key let in */
    const sched_policy *policy;
    uint64_t rng;
    hub_engine *engines; /* indexed by id; ids are never reused */
    int32_t nengines;
    int32_t cap_engines;
    pp_idmap tasks;      /* every task known, queued or running */
    pp_idmap clients;    /* hash of a client's routing id -> its count of
                            tasks in the controller (size_t, boxed) */
    hub_queue queue;
    hub_drops drops;
    uint64_t tasks_done;
    uint64_t tasks_failed;
    uint64_t tasks_retried;
    bool timeouts_seen; /* a task with a start timeout came in: scan */
    int64_t started_ns;  /* monotonic: for the uptime */
    /* Until then (monotonic), a REGISTER from an engine this controller
     * still counts alive keeps its id and tasks: the controller itself was
     * not running a while (stopped, starved) and the engine lost patience
     * with it, not its connection. */
    int64_t stall_grace_ns;
    int64_t awake_ns;       /* monotonic: when it last looked */
    int64_t stall_limit_ns; /* not running longer than this is a stall */
    int64_t run_ns;      /* wall clock at the start: names this run to
                            clients, which see a restart as a change */
} hub;

/* balance.c */
int hub_queue_push(hub_queue *q, hub_task *t, bool front);
void hub_queue_free(hub_queue *q);
void hub_dispatch(hub *h);
void hub_expire_queued(hub *h, int64_t now);
/* A balanced task that failed on (or lost) engine e: queued again if it
 * has retries left (true), else the caller reports it. */
bool hub_retry(hub *h, hub_task *t, int32_t engine);
/* A balanced task an engine never started (it left cleanly): queued again
 * without using a retry.  False if it cannot be. */
bool hub_hand_back(hub *h, hub_task *t);

/* curve.c */
/* With --curve: the keys (made, or read back with --reuse) into ci and
 * the hub, the ZAP handler, and CURVE on the three sockets. */
int hub_curve_setup(hub *h, pp_conninfo *ci, bool reused, pp_error *err);
/* Answers one ZAP request: only the connection files' key gets in. */
void hub_curve_answer(hub *h);

/* hub.c, used by balance.c */
/* Frees t, which must no longer be in h->tasks, and counts it off its
 * client's backlog. */
void hub_task_free(hub *h, hub_task *t);
/* The engine left (clean) or died: its tasks are handed back, retried or
 * reported failed. */
void hub_engine_gone(hub *h, hub_engine *e, const char *how, bool clean);
void hub_fail_task(hub *h, hub_task *t, int code, const char *why);
void hub_publish(hub *h, const char *event, int32_t engine,
                 const char *detail);

#endif
