/* hub_internal.h - the controller's state, shared by its files: hub.c (the
 * loop and the dispatch of what arrives), engines.c (registration and
 * heartbeats), tasks.c (direct tasks and results), abort.c (a client's
 * abort), balance.c (the balanced queue), outbox.c (what waits for
 * clients), status.c (status, events, drop counts), setup.c (sockets,
 * connection files), curve.c (CurveZMQ). */
#ifndef PP_HUB_INTERNAL_H
#define PP_HUB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "hub.h"
#include "idmap.h"
#include "policy.h"
#include "connfile.h"
#include "files.h"
#include "wire.h"

#define RID_MAX 64
#define HUB_MAX_EXCLUDED 8
/* The longest start timeout a task may ask for: 30 days. */
#define HUB_TIMEOUT_MAX_MS (30LL * 24 * 3600 * 1000)

typedef struct hub_engine {
    int32_t id;
    bool alive;
    bool stop_sent; /* a client's STOP was passed on to it (shutdown.c) */
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
    uint64_t barrier_id;      /* the SYNC barrier sent after its main
                                 connection dropped; 0: none pending */
    uint64_t barrier_seq;     /* h->sent_seq when the barrier was sent */
    /* Unreachable (reach.c): a send found no connection to it, in the
     * instant between a dropped connection and the next, while its heart
     * beats on.  Direct tasks for it wait in held, in order, for it to
     * connect again. */
    int64_t unreachable_ns;   /* monotonic: since when; 0: reachable */
    struct hub_task **held;   /* owned array; the tasks are h->tasks' */
    size_t nheld, cap_held;
} hub_engine;

/* A task the hub knows: queued (engine -1) or running on an engine. */
typedef struct hub_task {
    uint64_t id;
    uint8_t client[RID_MAX];
    size_t client_len;
    int32_t engine;
    uint64_t sent_seq;      /* h->sent_seq when it went to its engine;
                               0: not sent (queued, or held: reach.c) */
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
    bool aborting;          /* its client aborts it (abort.c): while
                               the abort is taken out of the queues */
    uint64_t abort_req;     /* the last ABORT request that named it: a
                               second mention in one counts as not found */
    bool abort_sent;        /* at its engine when its client aborted it:
                               the engine was told to skip it; it is not
                               run again elsewhere */
    int32_t follow;         /* balanced: -1, or the one engine it may run
                               on (it follows tasks that ran there) */
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

/* One client's balanced tasks waiting for an engine (balance.c): the
 * dispatcher serves the clients with tasks queued in turn, so a client's
 * 100,000-task map does not make another's 10 tasks wait behind it. */
typedef struct hub_fairq {
    uint64_t key; /* hub_client_key of the client */
    hub_queue q;
} hub_fairq;

/* A message waiting for a client that does not read: ZeroMQ's pipe to it
 * is full (clients_sock's send high-water mark, tied to --backlog). */
typedef struct hub_out {
    struct hub_out *next;
    bool result;   /* a task's result: counted against the backlog */
    size_t bytes;
    int nbody;
    zmq_msg_t body[]; /* the frames after the routing id */
} hub_out;

/* A client with tasks in the controller or messages waiting for it,
 * found by the hash of its routing id; forgotten when it has neither. */
typedef struct hub_client {
    uint64_t key;
    uint8_t rid[RID_MAX];
    size_t rid_len;
    size_t tasks;       /* queued, parked or running */
    size_t results;     /* results waiting in the outbox */
    size_t other_bytes; /* bytes of the other replies waiting */
    hub_out *head, *tail; /* the outbox, oldest first */
    hub_task **parked;  /* balanced tasks held back while it is blocked */
    size_t nparked, cap_parked;
} hub_client;

typedef struct hub_drops {
    uint64_t bad_signature;
    uint64_t malformed;
    uint64_t unknown_sender;
    uint64_t replayed;
    uint64_t stale;
    uint64_t over_backlog; /* tasks refused: their client's backlog was full */
    uint64_t curve_refused; /* connections without the cluster's CURVE key */
    uint64_t unread; /* replies to a client past what may wait for it */
} hub_drops;

struct hub {
    const hub_config *cfg; /* &cfg_copy */
    hub_config cfg_copy;
    uint8_t key[PP_KEY_SIZE];
    void *ctx;
    bool ctx_owned;      /* made by hub_open, so terminated by hub_close */
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
    pp_idmap clients;    /* hash of a client's routing id -> hub_client */
    hub_client **blocked; /* clients with messages waiting (outbox.c) */
    size_t nblocked;
    size_t cap_blocked;
    pp_idmap fairqs;     /* client key -> hub_fairq, while it has tasks queued */
    hub_fairq **ring;    /* those queues, served in turn (balance.c) */
    size_t nring, cap_ring;
    size_t ring_next;    /* the one served next */
    size_t queued;       /* balanced tasks queued, all clients */
    hub_drops drops;
    uint64_t tasks_done;
    uint64_t tasks_failed;
    uint64_t tasks_retried;
    uint64_t tasks_lost;    /* lost with a dropped connection (engines.c) */
    uint64_t tasks_aborted; /* by their clients before they ran (abort.c) */
    uint64_t sent_seq;      /* tasks sent to engines, ever */
    bool timeouts_seen; /* a task with a start timeout may be queued: the
                           tick scans the queue until none is */
    int64_t started_ns;  /* monotonic: for the uptime */
    int64_t awake_ns;       /* monotonic: when it last looked */
    int64_t stall_limit_ns; /* not running longer than this is a stall */
    int64_t stop_at_ns;     /* a client asked it to stop (shutdown.c):
                               by then at the latest; 0: not asked */
    int64_t run_ns;      /* wall clock at the start: names this run to
                            clients, which see a restart as a change */
    int64_t tick_ns;      /* how often hearts are checked */
    int64_t next_tick_ns; /* monotonic */
    bool flushing;        /* some client's outbox is not empty */
    int64_t busy_ns;      /* monotonic: the last task or result */
    bool trim_due;        /* tasks came since the heap was trimmed */
    bool files_written;   /* the connection files are this hub's */
    struct hub_http *http; /* --http: the status page; NULL when off */
    char engine_path[PP_PATH_MAX];
    char client_path[PP_PATH_MAX];
};

/* balance.c */
/* Queues balanced task t in its client's queue, at the back (new) or in
 * front (retried, handed back, unparked).  0 or PP_ENOMEM. */
int hub_enqueue(hub *h, hub_task *t, bool front);
/* Frees the queues, not the tasks (h->tasks owns them). */
void hub_queues_free(hub *h);
void hub_dispatch(hub *h);
void hub_expire_queued(hub *h, int64_t now);
/* A balanced task that failed on (or lost) engine e: queued again if it
 * has retries left (true), else the caller reports it. */
bool hub_retry(hub *h, hub_task *t, int32_t engine);
/* A balanced task an engine never started (it left cleanly): queued again
 * without using a retry.  False if it cannot be. */
bool hub_hand_back(hub *h, hub_task *t);

/* Takes the tasks marked aborting out of the queue of the client with
 * that key (hub_client_key), in their order, into out (room for max);
 * returns how many. */
size_t hub_unqueue_aborting(hub *h, uint64_t key, hub_task **out,
                            size_t max);

/* abort.c */
/* A client's ABORT, verified: its own tasks still held here (queued,
 * parked, waiting for a retry, direct ones held for an engine not
 * connected) fail with PP_EABORTED; those already at an engine and ids
 * not found (finished, unknown, another client's) are counted in the
 * reply.  A malformed request gets a one-line error.  rep
 * is the reply's header, filled in; the caller closes fr. */
void hub_task_abort(hub *h, pp_frames *fr, const pp_header *hd,
                    pp_header *rep);
/* Engine e's connection dropped and it is connected again (its SYNC
 * request): an ABORT sent before may have been lost with the connection,
 * or never sent while it was not connected, so it is sent again, naming
 * every task of e's that its client aborted and whose result is still
 * to come.  Those that wait at the engine, in its memory through the
 * drop, are skipped; it ignores the others. */
void hub_abort_tell_again(hub *h, hub_engine *e);

/* pending.c */
/* A client's PENDING, verified: the reply carries those of the ids it
 * names (one i64 array) that are the client's tasks held here, queued or
 * at an engine, in the order named.  A malformed request gets a one-line
 * error.  rep is the reply's header, filled in; the caller closes fr. */
void hub_reply_pending(hub *h, pp_frames *fr, const pp_header *hd,
                       pp_header *rep);

/* tasks.c: the routing id of a client's request fr, copied into rid (a
 * reply must not borrow a frame of the request): its length, or 0 when it
 * is empty or longer than RID_MAX (counted as malformed, nothing to
 * answer). */
size_t hub_client_rid(hub *h, const pp_frames *fr, uint8_t rid[RID_MAX]);

/* tasks.c: the refusal of a client's request req, one line (fmt), with
 * status code, naming engine (-1: the controller's own word).  The routing
 * id is bytes the caller owns, never a frame of the request: sending the
 * request on consumes its frames. */
void hub_reply_error(hub *h, const uint8_t *rid, size_t rid_len,
                     const pp_header *req, int32_t engine, int code,
                     const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* shutdown.c */
/* A client's STOP, verified: each engine named (none: every engine) is
 * sent a STOP; the reply carries one i64, how many were told.  With
 * PP_STOP_CONTROLLER, hub_stopped turns true once the engines have gone
 * or after a grace.  An unknown id refuses it all in one line. */
void hub_shutdown(hub *h, pp_frames *fr, const pp_header *hd,
                  pp_header *rep);
bool hub_stopped(hub *h);

/* curve.c */
/* With --curve: the keys (made, or read back with --reuse) into ci and
 * the hub, the ZAP handler, and CURVE on the three sockets. */
int hub_curve_setup(hub *h, pp_conninfo *ci, bool reused, pp_error *err);
/* Answers one ZAP request: only the connection files' key gets in. */
void hub_curve_answer(hub *h);

/* outbox.c: every message to a client goes through here */
uint64_t hub_client_key(const uint8_t *rid, size_t len);
/* The client's record, made on first use when create; NULL when out of
 * memory or (without create) unknown. */
hub_client *hub_client_get(hub *h, const uint8_t *rid, size_t len,
                           bool create);
/* Forgets the record if nothing is left in it. */
void hub_client_release(hub *h, hub_client *c);
/* What counts against the client's --backlog: tasks and waiting results. */
size_t hub_client_load(hub *h, const uint8_t *rid, size_t len);
/* Sends the body frames of fr to the client, or keeps them in its outbox
 * while ZeroMQ's pipe to it is full (result: a task's result, counted
 * against the backlog until it is sent).  Consumes fr.  A client whose
 * connection is gone is given nothing (its messages are closed). */
void hub_client_send(hub *h, const uint8_t *rid, size_t len, pp_frames *fr,
                     bool result);
/* Builds, signs and sends a reply with hub_client_send. */
void hub_client_reply(hub *h, const uint8_t *rid, size_t len, pp_header *hd,
                      pp_value *vals, size_t n);
/* Tries the outboxes again; clients that drain are given their parked
 * tasks back.  True while some client is still blocked. */
bool hub_clients_flush(hub *h);
/* balance.c: true (t parked) when t's client has messages waiting. */
bool hub_client_park(hub *h, hub_task *t);
void hub_clients_free(hub *h);
/* Results waiting in all outboxes, for the status. */
size_t hub_results_waiting(const hub *h);

/* engines.c */
/* The engine alive with that id, or routing id; NULL if none. */
hub_engine *hub_engine_by_id(hub *h, int32_t id);
hub_engine *hub_engine_by_rid(hub *h, const void *rid, size_t len);
/* REGISTER, HEARTBEAT and UNREGISTER from an engine, verified; fr is the
 * caller's, still to be closed.  The others' replies go to fr's route. */
void hub_engine_register(hub *h, pp_frames *fr, const pp_header *req);
void hub_engine_beat(hub *h, pp_frames *fr, const pp_header *hd);
void hub_engine_unregister(hub *h, hub_engine *e, pp_frames *fr,
                           const pp_header *hd);
/* DIED from an engine's supervisor (no registered routing id: the
 * message proves itself by the dead worker's): the task the worker was
 * running is retried or failed with the supervisor's words, the engine's
 * other tasks are handed back, and the engine is gone.  fr is the
 * caller's. */
void hub_engine_died(hub *h, pp_frames *fr, const pp_header *hd);
/* The engine left (clean) or died: its tasks are handed back, retried or
 * reported failed. */
void hub_engine_gone(hub *h, hub_engine *e, const char *how, bool clean);
/* Fails the queued tasks that follow engine id, which is gone (parked
 * ones fail when unparked: hub_fail_follower). */
void hub_fail_followers(hub *h, int32_t id);
/* Fails t, a follower that cannot run (its engine gone or failed it). */
void hub_fail_follower(hub *h, hub_task *t);
/* SYNC on an engine's main socket after the connection dropped: a
 * request (parent 0) is answered with a barrier; the engine's answer to
 * the barrier means every task sent before it that has no result was lost
 * with the connection: balanced ones are queued again, direct ones fail.
 * fr is the caller's. */
void hub_engine_sync(hub *h, hub_engine *e, const pp_header *hd);
/* Engines whose heart stopped beating are declared dead. */
void hub_check_hearts(hub *h, int64_t now);
/* Notes that the controller runs now, allowed_ns after it last looked; a
 * stall (much later) is not held against the engines. */
void hub_observe(hub *h, int64_t allowed_ns);

/* reach.c: engines the controller could not send to for a moment */
/* hub_engine_send's answer when e has no connection now: nothing sent. */
#define HUB_UNREACHABLE 1
/* Sends the n frames of body to engine e: consumed, or (keep) copies sent
 * and body kept.  0; HUB_UNREACHABLE (body untouched); or PP_EZMQ when
 * ZeroMQ failed mid-message (body closed unless keep). */
int hub_engine_send(hub *h, hub_engine *e, zmq_msg_t *body, int n,
                    bool keep);
/* A send to e found no connection: e stays registered, unreachable, and
 * is given no balanced task until it is reached again. */
void hub_engine_unreachable(hub *h, hub_engine *e);
/* Direct task t (its frames in t->body, sealed) waits for unreachable e,
 * behind the others held; tried at once.  Fails t when out of memory. */
void hub_engine_hold(hub *h, hub_engine *e, hub_task *t);
/* Tries to reach unreachable e: its held tasks in order, or a probe.  True
 * when it is reached (then its held tasks are sent and the scheduler may
 * use it again). */
bool hub_engine_reach(hub *h, hub_engine *e);
/* Fails the tasks held for e (gone: how says why) and forgets them. */
void hub_engine_drop_held(hub *h, hub_engine *e, const char *how);
/* From the tick: each unreachable engine tried again; one unreachable
 * longer than the heartbeat patience is gone. */
void hub_check_reach(hub *h, int64_t now);

/* tasks.c */
/* A client's TASK, verified: forwarded to its engine or queued.  fr's
 * body is consumed when the task is taken; the caller closes fr. */
void hub_task_submit(hub *h, pp_frames *fr, const pp_header *hd);
/* An engine's RESULT, verified: passed to the client that asked (fr's
 * body is consumed then), or the task retried.  The caller closes fr. */
void hub_task_result(hub *h, hub_engine *e, pp_frames *fr,
                     const pp_header *hd);
/* Frees t, which must no longer be in h->tasks, and counts it off its
 * client's backlog. */
void hub_task_free(hub *h, hub_task *t);
void hub_fail_task(hub *h, hub_task *t, int code, const char *why);
/* hub_fail_task without counting the task failed (the caller counts it
 * as what it is: aborted). */
void hub_end_task(hub *h, hub_task *t, int code, const char *why);

/* status.c */
/* Counts a dropped message; logs only the first of each kind. */
void hub_count_drop(uint64_t *counter, const char *what,
                    const pp_error *err);
void hub_publish(hub *h, const char *event, int32_t engine,
                 const char *detail);
/* Replies to IDS and STATUS; rep is the reply's header, filled in. */
void hub_reply_ids(hub *h, zmq_msg_t *client, pp_header *rep);
void hub_reply_status(hub *h, zmq_msg_t *client, pp_header *rep);
/* The status as jansson objects (struct json_t: no jansson.h here); the
 * caller owns them.  NULL when out of memory. */
struct json_t *hub_status_object(hub *h);
struct json_t *hub_status_engines(hub *h);

/* http.c: the status page (controller --http).  Each is a no-op while
 * h->http is NULL. */
/* Starts the server (cfg->http_port), before the connection files are
 * written: ci gets the token and port for client.json. */
int hub_http_open(hub *h, pp_conninfo *ci, pp_error *err);
void hub_http_close(hub *h);
/* hub_step's share: the fd to poll (-1: none), how long the server may
 * wait at most (-1: no limit), and its turn after the poll. */
int hub_http_fd(const hub *h);
int64_t hub_http_timeout_ms(hub *h);
void hub_http_run(hub *h, bool readable);
/* An engine's RESULT: hub_task_result, and the completion noted for
 * /api/tasks and the clients' progress. */
void hub_http_result(hub *h, hub_engine *e, pp_frames *fr,
                     const pp_header *hd);
/* A task the controller ended itself (hub_end_task: aborted, or failed
 * with no engine's result): counted as failed in its client's progress,
 * which is complete when the client has no task left (finished). */
void hub_http_task_ended(hub *h, uint64_t client, bool finished);
/* Adds the page's counts (rates, dropped.http) to the status, and a
 * client's done count and progress to its entry. */
void hub_http_status_extend(hub *h, struct json_t *root);
void hub_http_client_extend(hub *h, uint64_t key, struct json_t *client);

#endif
