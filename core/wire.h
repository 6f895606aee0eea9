/* wire.h - the one module that knows pipar's wire format.
 *
 * A message is a ZeroMQ multipart message:
 *
 *   [routing id]...  "PP2"  seal  header  value...
 *
 * The routing ids are added and removed by ROUTER sockets.  The seal holds
 * the values MAC, HMAC-SHA256 over every value frame (see sign.h), the
 * stamp of this hop (sender session, counter, time) and the seal MAC, an
 * HMAC over the header, the values MAC and the stamp.  Receivers accept
 * each stamp once, within the clock window (replay.h).  The header is a
 * fixed little-endian record (docs/protocol.md); each value is one frame of
 * raw bytes, its type listed in the header.  The controller forwards task
 * and result frames without copying, re-encoding or hashing their values:
 * it checks and renews the seal, one small HMAC each, whatever the size of
 * the values, and whoever reads the values checks them. */
#ifndef PP_WIRE_H
#define PP_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <zmq.h>

#include "pipar/error.h"
#include "pipar/value.h"
#include "sign.h"

#define PP_PROTO "PP3"
#define PP_MAX_VALUES 16
#define PP_MAX_ROUTE 2
#define PP_NAME_MAX 32
#define PP_HEADER_SIZE 120
/* seal: seal MAC, values MAC, session, counter, t_sent (little-endian) */
#define PP_SEAL_SIZE (2 * PP_SIG_SIZE + 24)
#define PP_MAX_FRAMES (PP_MAX_ROUTE + 3 + PP_MAX_VALUES)

typedef enum pp_msg_type {
    PP_MSG_REGISTER = 1,   /* engine -> controller: hostname, pid */
    PP_MSG_REGISTERED,     /* controller -> engine: header.engine = id */
    PP_MSG_UNREGISTER,     /* engine -> controller: leaving */
    PP_MSG_HEARTBEAT,      /* engine -> controller, from the heart thread */
    PP_MSG_TASK,           /* client -> controller -> engine */
    PP_MSG_RESULT,         /* engine -> controller -> client */
    PP_MSG_IDS,            /* client asks; the reply carries i64 ids */
    PP_MSG_STATUS,         /* client asks; the reply carries a JSON str */
    PP_MSG_STOP,           /* controller -> engine: finish and leave */
    PP_MSG_EVENT,          /* controller -> PUB: a str of JSON */
    PP_MSG_DIED,           /* engine supervisor -> controller: its worker
                              was killed by a signal (and the reply) */
    PP_MSG_SYNC,           /* engine <-> controller, on the engine's main
                              socket after it reconnected: what was in
                              flight may be lost (docs/protocol.md) */
    PP_MSG_ABORT,          /* client -> controller: abort these tasks (an
                              i64 array of ids; none: all of the client's)
                              before they run; the reply carries i64[3]:
                              aborted, already at an engine, not found */
    PP_MSG_PENDING,        /* client -> controller: which of these tasks
                              (an i64 array of ids) do you hold?  The reply
                              carries those, an i64 array: ipyparallel's
                              result_status, asked by a client that finds
                              its controller restarted */
    PP_MSG_TYPE_COUNT
} pp_msg_type;

typedef enum pp_task_kind {
    PP_TASK_APPLY = 1, /* run workload on the values, return its values */
    PP_TASK_EXECUTE,   /* values: str inputs ("x" or "a,b"), str output,
                          extra args; the result stays in the namespace */
    PP_TASK_PUSH,      /* values: str name, value: namespace[name] = value */
    PP_TASK_PULL,      /* values: str name; returns namespace[name] */
    PP_TASK_KIND_COUNT
} pp_task_kind;

/* Header flags.  PP_TASK_FOLLOW: a load-balanced task that may run on
 * engine `engine` alone, the one where the tasks it follows ran (a
 * client's `follow`); the other bits are refused. */
#define PP_TASK_FOLLOW 1u
/* In a client's STOP: the controller stops too, after its engines. */
#define PP_STOP_CONTROLLER 1u

typedef struct pp_header {
    uint8_t type;      /* pp_msg_type */
    uint8_t kind;      /* pp_task_kind, for tasks and their results */
    int8_t status;     /* 0, or a negative PP_E code: value 0 is the text */
    uint8_t nvalues;   /* value frames that follow */
    uint32_t flags;    /* PP_TASK_FOLLOW or 0 */
    uint64_t id;       /* unique per sender */
    uint64_t parent;   /* a reply's request id */
    int32_t engine;    /* target or sending engine; -1 for any */
    int32_t retries;
    int64_t t_submit;  /* ns since the epoch, set by the client */
    int64_t t_start;   /* set by the engine */
    int64_t t_done;    /* set by the engine */
    int64_t timeout_ms; /* how long a task may wait to start; 0: no limit */
    int64_t limit_ms;   /* how long it may run before its engine's
                           supervisor stops it; 0: no limit */
    uint8_t types[PP_MAX_VALUES];
    char name[PP_NAME_MAX]; /* workload name, NUL-padded */
} pp_header;

/* Encoding is total; decoding checks every field it can (type, kind,
 * nvalues, value types, the name's NUL). */
void pp_header_encode(const pp_header *h, uint8_t out[PP_HEADER_SIZE]);
int pp_header_decode(pp_header *h, const void *buf, size_t size,
                     pp_error *err);

/* Sets name from s; fails on names too long or empty. */
int pp_header_set_name(pp_header *h, const char *s, pp_error *err);

/* The frames of one received message.  route[] holds the routing ids a
 * ROUTER added; body[] holds proto, signature, header and values. */
typedef struct pp_frames {
    zmq_msg_t route[PP_MAX_ROUTE];
    int nroute;
    zmq_msg_t body[3 + PP_MAX_VALUES];
    int nbody;
} pp_frames;

/* Receives one whole message (blocking unless flags has ZMQ_DONTWAIT).  A
 * message with too many frames is drained and refused with PP_EPROTO.
 * Returns PP_ETIMEDOUT (EAGAIN), PP_EINTR, or PP_EZMQ otherwise. */
int pp_frames_recv(void *sock, pp_frames *fr, int flags, pp_error *err);

/* Checks the seal (its MAC over header, values MAC and stamp, then that
 * the stamp is new and within the clock window) and the header; fills h.
 * One small HMAC, whatever the size of the values, which it does not
 * check: enough for a hop that forwards the values without reading them
 * (the controller with tasks and results).  A replayed message fails with
 * a text that says "replayed", a stale one "clock"; the others say
 * "signature" or name what is malformed. */
int pp_frames_verify_seal(const pp_frames *fr, pp_signer *signer,
                          pp_header *h, pp_error *err);
/* Checks the values against the values MAC in the seal: a pass over every
 * byte.  Only after pp_frames_verify_seal; the text says "signature". */
int pp_frames_verify_values(const pp_frames *fr, pp_signer *signer,
                            pp_error *err);
/* Both: for every receiver that reads the values. */
int pp_frames_verify(const pp_frames *fr, pp_signer *signer, pp_header *h,
                     pp_error *err);

/* Gives a verified message a new seal of signer's own (a fresh stamp, the
 * same values MAC, the seal MAC over them and the header), for forwarding
 * it to the next hop.  body: the message's body frames (protocol, seal,
 * header, values), nbody of them. */
int pp_seal_renew(zmq_msg_t *body, int nbody, pp_signer *signer,
                  pp_error *err);

/* Writes the seal of frames (header, then values; count >= 1) as
 * pp_msg_send does; for tests and tools that build messages by hand. */
int pp_seal(pp_signer *signer, const pp_span *frames, size_t count,
            uint8_t seal[PP_SEAL_SIZE]);

/* Sends the body frames after the given routing id (NULL for none) and
 * consumes them: fr holds nothing afterwards. */
int pp_frames_send(void *sock, pp_frames *fr, const void *route,
                   size_t route_size, pp_error *err);

void pp_frames_close(pp_frames *fr);

/* Moves the value frames into vals without copying their bytes; checks
 * each value against its declared type. */
int pp_frames_take_values(pp_frames *fr, const pp_header *h, pp_values *vals,
                          pp_error *err);

/* Builds, signs and sends a message.  h->nvalues and h->types are filled
 * from vals.  The values are consumed: owned bytes go to ZeroMQ without a
 * copy, borrowed bytes are copied.  route may be NULL. */
int pp_msg_send(void *sock, pp_signer *signer, const void *route,
                size_t route_size, pp_header *h, pp_value *vals, size_t n,
                pp_error *err);

/* pp_msg_send and pp_msg_send_error without the sending: the signed body
 * frames go to out (no routing id), for a sender that may have to keep
 * them and send them later (the controller, to a client that does not
 * read). */
int pp_msg_build(pp_signer *signer, pp_header *h, pp_value *vals, size_t n,
                 pp_frames *out, pp_error *err);
int pp_msg_build_error(pp_signer *signer, const pp_header *req,
                       int32_t engine, int code, const char *text,
                       pp_frames *out, pp_error *err);
/* Sends an error reply to request req: status code, one str value. */
int pp_msg_send_error(void *sock, pp_signer *signer, const void *route,
                      size_t route_size, const pp_header *req, int32_t engine,
                      int code, const char *text, pp_error *err);

/* A fresh id: 32 random bits then a counter, so ids from different
 * clients and engines do not collide. */
uint64_t pp_msg_id_next(void);

/* ZeroMQ's default high-water mark (1000 messages) makes a ROUTER drop
 * messages silently when a peer falls behind; pipar must lose no task, so
 * every socket that carries tasks or results queues without a limit.  The
 * controller bounds what it hands each engine itself (--hwm). */
void pp_socket_unbounded(void *sock);

/* Reads every event waiting on the PAIR socket of a monitor
 * (zmq_socket_monitor); true when one of them was event
 * (ZMQ_EVENT_DISCONNECTED, say). */
bool pp_monitor_saw(void *monitor, uint16_t event);

/* The wall clock, ns since the epoch: for stamps and the times shown to
 * people (t_submit, t_start, t_done).  It can step (NTP on a Pi without a
 * real-time clock), so it never measures an interval. */
int64_t pp_now_ns(void);
/* CLOCK_MONOTONIC in ns: every interval, deadline and timeout (heartbeats,
 * patience, task start timeouts).  Comparable only within one host. */
int64_t pp_mono_ns(void);

#endif
