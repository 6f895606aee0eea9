/* engine.c - registration and the task loop. */
#include "engine.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "connfile.h"
#include "files.h"
#include "log.h"
#include "modules.h"
#include "namespace.h"
#include "tasks.h"
#include "wire.h"
#include "workload.h"

typedef struct engine {
    void *ctx;
    void *sock;
    pp_signer *signer;
    _Atomic int32_t id;
    pp_namespace ns;
    modules mods; /* loaded workload modules */
    char endpoint[300];
    const char *file;
    double task_delay_s;
    pp_conninfo ci; /* key, limits and CurveZMQ keys, for every socket */
    uint8_t rid[16];
    /* The heart thread: it beats every heart_ms; when the controller has
     * not answered for heart_misses beats, or answers that it does not
     * know this engine, it sets lost and registers the engine again. */
    pthread_t heart;
    bool heart_started;
    atomic_bool heart_stop;
    atomic_bool lost;
    _Atomic uint32_t epoch; /* bumped by each registration */
    _Atomic int64_t heart_ms;
    _Atomic int32_t heart_misses;
    /* Messages the main loop dropped before the replay check (bad seal,
     * malformed); the heart thread reports them with the signer's replay
     * counts in each beat. */
    _Atomic uint64_t dropped;
    uint64_t replays_seen; /* the signer's refusals at the last drop */
    _Atomic uint64_t attempts; /* REGISTERs sent */
    engine_shared *shared;     /* supervised: what the supervisor reads */
    int ready_fd;              /* supervised: registrations are told here */
    /* A dropped main connection loses without a word what was in flight:
     * tasks ZeroMQ had queued for this engine in the controller, results
     * in the kernel's buffers.  The main thread learns of drops from a
     * monitor of the main socket (or from the heart, which registered
     * again in place), asks the controller for a barrier (SYNC), and
     * answers the barrier once every message before it was handled: what
     * the controller sent before it and has no result for is lost. */
    void *monitor;             /* PAIR: the main socket's events */
    atomic_bool sync_wanted;
    uint64_t sync_asked;       /* the last SYNC request's id; 0: none */
    /* Messages read ahead of the one being handled, in order (inbox.c's
     * reason: an ABORT from the controller comes behind the tasks it
     * names, which wait here and are skipped). */
    struct inbox_item **inbox; /* a ring of INBOX_MAX */
    size_t inbox_head, inbox_n;
} engine;

/* One message read ahead: its frames stay where they were received (a
 * zmq_msg_t is not moved), with its checked header. */
typedef struct inbox_item {
    pp_frames fr;
    pp_header h;
    bool bad_values; /* a genuine task header over values changed on the
                        way: answered with an error, never run */
} inbox_item;

/* The most messages read ahead: beyond it they wait in ZeroMQ's queue,
 * and an abort of them waits with them. */
#define INBOX_MAX 1024

/* Item k of the inbox, oldest first. */
#define INBOX_AT(en, k) ((en)->inbox[((en)->inbox_head + (k)) % INBOX_MAX])

static volatile sig_atomic_t engine_stop;

static void on_signal(int sig)
{
    (void)sig;
    engine_stop = 1;
}

/* Waits on sock for the reply to request id, dropping anything else (a
 * forged or stray message must not be taken for the answer).  Gives up
 * early when the engine is told to stop, or when cancel (if not NULL) is
 * set. */
static int await_reply(const atomic_bool *cancel, void *sock,
                       pp_signer *signer, uint64_t id, pp_msg_type type,
                       int timeout_ms, pp_header *out, pp_error *err)
{
    int64_t deadline = pp_mono_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int64_t left = (deadline - pp_mono_ns()) / 1000000;
        if (left <= 0)
            return pp_error_set(err, PP_ETIMEDOUT, "timed out");
        if (cancel && atomic_load(cancel))
            return pp_error_set(err, PP_EINTR, "interrupted");
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        int n = zmq_poll(&item, 1, left > 100 ? 100 : (long)left);
        if (n < 0 && zmq_errno() == EINTR) {
            if (engine_stop)
                return pp_error_set(err, PP_EINTR, "interrupted");
            continue;
        }
        if (n <= 0)
            continue;
        pp_frames fr;
        if (pp_frames_recv(sock, &fr, ZMQ_DONTWAIT, err))
            continue;
        int rc = pp_frames_verify(&fr, signer, out, err);
        pp_frames_close(&fr);
        if (rc) {
            pp_warn("dropped a message: %s", err->msg);
            continue;
        }
        if (out->type == type && out->parent == id)
            return 0;
    }
}

/* Registers the main socket's routing id with the controller, asking on
 * sock (the main socket at start, the heart's socket later: a busy main
 * thread must not keep its engine from coming back to a restarted
 * controller). */
static int engine_register(engine *en, void *sock, pp_signer *signer,
                           double timeout_s, pp_error *err)
{
    char host[64] = "?";
    gethostname(host, sizeof host - 1);
    /* The attempt number lets the controller tell a REGISTER that waited
     * in an old connection from the one this engine waits on. */
    int64_t pid_attempt[2] = { getpid(),
                               (int64_t)atomic_fetch_add(&en->attempts, 1)
                                   + 1 };
    pp_value vals[3];
    if (pp_value_str(&vals[0], host) || pp_value_i64(&vals[1], pid_attempt, 2))
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_value_borrow(&vals[2], PP_T_BYTES, en->rid, sizeof en->rid);
    pp_header h = { .type = PP_MSG_REGISTER, .id = pp_msg_id_next(),
                    .engine = -1 };
    int rc = pp_msg_send(sock, signer, NULL, 0, &h, vals, 3, err);
    if (rc)
        return rc;
    pp_header rep;
    /* From the heart thread, stopping the heart cancels the wait. */
    const atomic_bool *cancel = sock == en->sock ? NULL : &en->heart_stop;
    rc = await_reply(cancel, sock, signer, h.id, PP_MSG_REGISTERED,
                     (int)(timeout_s * 1000), &rep, err);
    if (rc == PP_ETIMEDOUT)
        return pp_error_set(err, rc,
                            "no controller answered at %s within %g s",
                            en->endpoint, timeout_s);
    if (rc)
        return rc;
    atomic_store(&en->id, rep.engine);
    if (en->shared)
        atomic_store(&en->shared->id, rep.engine);
    if (en->ready_fd >= 0) {
        /* The supervisor names this id when it reports a crash. */
        int32_t id = rep.engine;
        if (write(en->ready_fd, &id, sizeof id) != (ssize_t)sizeof id)
            pp_debug("could not tell the supervisor engine %d", id);
    }
    atomic_store(&en->heart_ms, rep.timeout_ms > 0 ? rep.timeout_ms : 1000);
    atomic_store(&en->heart_misses, rep.retries > 0 ? rep.retries : 5);
    atomic_fetch_add(&en->epoch, 1);
    atomic_store(&en->lost, false);
    return 0;
}

/* Called with the heart thread stopped, so nothing registers the engine
 * again once it is gone.  The count of REGISTERs sent lets the controller
 * ignore one the heart sent just before stopping (another connection, so
 * it may arrive after this). */
static void engine_unregister(engine *en)
{
    pp_header h = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                    .engine = atomic_load(&en->id) };
    int64_t attempts = (int64_t)atomic_load(&en->attempts);
    pp_value v;
    pp_error err;
    if (pp_value_i64(&v, &attempts, 1)
        || pp_msg_send(en->sock, en->signer, NULL, 0, &h, &v, 1, &err))
        return;
    engine_stop = 0; /* let the wait below run to its end */
    pp_header rep;
    if (await_reply(NULL, en->sock, en->signer, h.id, PP_MSG_UNREGISTER,
                    1000, &rep, &err))
        pp_warn("the controller did not confirm; leaving anyway");
}

/* Asks the controller for a barrier on the main socket: the request
 * waits in ZeroMQ's pipe until the connection is back. */
static void ask_barrier(engine *en)
{
    pp_header h = { .type = PP_MSG_SYNC, .id = pp_msg_id_next(),
                    .engine = atomic_load(&en->id) };
    pp_error err;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &h, NULL, 0, &err)) {
        pp_warn("could not ask the controller what was lost: %s", err.msg);
        return;
    }
    en->sync_asked = h.id;
    pp_info("the connection to the controller dropped; asking what was "
            "lost on the way");
}

/* The barrier for the last request: every task the controller sent before
 * it has been read, run and answered, in order, and those results are
 * ahead of this answer in the pipe.  An older barrier is not answered:
 * another drop came after it, and its own barrier will follow. */
static void answer_barrier(engine *en, const pp_header *barrier)
{
    if (!en->sync_asked || barrier->parent != en->sync_asked)
        return;
    en->sync_asked = 0;
    pp_header h = { .type = PP_MSG_SYNC, .id = pp_msg_id_next(),
                    .parent = barrier->id,
                    .engine = atomic_load(&en->id) };
    pp_error err;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &h, NULL, 0, &err))
        pp_warn("could not answer the controller's barrier: %s", err.msg);
}

/* Reads the monitor's events: any drop of the main connection asks for a
 * barrier (sync_wanted). */
static void on_monitor(engine *en)
{
    if (pp_monitor_saw(en->monitor, ZMQ_EVENT_DISCONNECTED))
        atomic_store(&en->sync_wanted, true);
}

/* The main socket's drops, reported on an inproc PAIR.  Without it the
 * engine still works; what a drop loses then waits for ever. */
static void open_monitor(engine *en)
{
    char addr[64];
    snprintf(addr, sizeof addr, "inproc://pipar-engine-main-%p", (void *)en);
    if (zmq_socket_monitor(en->sock, addr, ZMQ_EVENT_DISCONNECTED)) {
        pp_warn("no monitor of the connection: %s", zmq_strerror(zmq_errno()));
        return;
    }
    en->monitor = zmq_socket(en->ctx, ZMQ_PAIR);
    if (!en->monitor || zmq_connect(en->monitor, addr)) {
        pp_warn("no monitor of the connection: %s", zmq_strerror(zmq_errno()));
        if (en->monitor)
            zmq_close(en->monitor);
        en->monitor = NULL;
        zmq_socket_monitor(en->sock, NULL, 0);
    }
}

/* Answers task `task` without running it: status code, the text. */
static void answer_unrun(engine *en, const pp_header *task, int code,
                         const char *text)
{
    pp_header rep = {
        .type = PP_MSG_RESULT,
        .kind = task->kind,
        .id = pp_msg_id_next(),
        .parent = task->id,
        .engine = atomic_load(&en->id),
        .t_submit = task->t_submit,
        .t_done = pp_now_ns(),
        .status = (int8_t)code,
    };
    memcpy(rep.name, task->name, sizeof rep.name);
    pp_value v;
    pp_error err;
    if (pp_value_str(&v, text))
        return;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &rep, &v, 1, &err))
        pp_warn("could not send a result: %s", err.msg);
    pp_value_free(&v);
}

static void inbox_item_free(inbox_item *it)
{
    pp_frames_close(&it->fr);
    free(it);
}

/* The controller's ABORT: the tasks it names that wait here are answered
 * "aborted before it ran" and never run.  They are all here already: the
 * controller sent them before the abort, on the same connection, in
 * order.  A named task not here has run (or runs) and is left alone. */
static void skip_aborted(engine *en, inbox_item *abort)
{
    pp_values ids = { 0 };
    pp_error err;
    if (abort->h.nvalues != 1 || abort->h.types[0] != PP_T_I64
        || pp_frames_take_values(&abort->fr, &abort->h, &ids, &err)) {
        pp_warn("dropped an abort without its task ids");
        pp_values_free(&ids);
        return;
    }
    const int64_t *id = pp_value_i64s(&ids.v[0]);
    size_t nid = pp_value_count(&ids.v[0]), kept = 0, skipped = 0;
    for (size_t i = 0; i < en->inbox_n; i++) {
        inbox_item *it = INBOX_AT(en, i);
        bool named = false;
        for (size_t k = 0; it->h.type == PP_MSG_TASK && k < nid && !named;
             k++)
            named = (uint64_t)id[k] == it->h.id;
        if (named) {
            answer_unrun(en, &it->h, PP_EABORTED, "aborted before it ran");
            inbox_item_free(it);
            skipped++;
        } else {
            INBOX_AT(en, kept++) = it;
        }
    }
    en->inbox_n = kept;
    if (skipped)
        pp_info("skipped %zu aborted task%s", skipped,
                skipped == 1 ? "" : "s");
    pp_values_free(&ids);
}

/* Reads one message into a new inbox item, checked.  0: *out is set; 1:
 * read and done with (dropped, or an abort applied); -1: none waiting. */
static int read_one(engine *en, inbox_item **out)
{
    inbox_item *it = calloc(1, sizeof *it);
    if (!it)
        return -1;
    pp_error err = { 0 };
    if (pp_frames_recv(en->sock, &it->fr, ZMQ_DONTWAIT, &err)) {
        free(it);
        return -1;
    }
    /* A task whose seal holds but whose values do not match it was
     * changed on the way (the controller forwards values unread): the
     * header is genuine, so the task is answered, with an error, and its
     * values never read.  Anything else that fails is dropped. */
    int bad = pp_frames_verify_seal(&it->fr, en->signer, &it->h, &err);
    if (!bad && pp_frames_verify_values(&it->fr, en->signer, &err)) {
        it->bad_values = it->h.type == PP_MSG_TASK;
        bad = !it->bad_values;
        if (it->bad_values && atomic_fetch_add(&en->dropped, 1) == 0)
            pp_warn("refused a task: %s; further ones are counted "
                    "silently", err.msg);
    }
    if (bad) {
        /* The first of each kind is logged, the rest counted: a flood of
         * garbage must not flood the log too.  The signer counts the
         * replayed and stale ones; this counts the others. */
        pp_replay_counts rc = pp_signer_refused(en->signer);
        uint64_t replays = rc.seen + rc.stale;
        bool replay = replays != en->replays_seen;
        en->replays_seen = replays;
        if (!replay)
            atomic_fetch_add(&en->dropped, 1);
        if ((replay ? replays : atomic_load(&en->dropped)) == 1)
            pp_warn("dropped a message: %s; further ones are counted "
                    "silently", err.msg);
        inbox_item_free(it);
        return 1;
    }
    if (it->h.type == PP_MSG_ABORT) {
        skip_aborted(en, it);
        inbox_item_free(it);
        return 1;
    }
    *out = it;
    return 0;
}

/* Reads what waits on the socket into the inbox, in order, applying
 * aborts as they come. */
static void read_ahead(engine *en)
{
    while (en->inbox_n < INBOX_MAX) {
        inbox_item *it = NULL;
        int rc = read_one(en, &it);
        if (rc < 0)
            return;
        if (rc > 0)
            continue;
        INBOX_AT(en, en->inbox_n++) = it;
    }
}

/* Handles the oldest message read ahead. */
static void on_message(engine *en)
{
    inbox_item *it = INBOX_AT(en, 0);
    en->inbox_head = (en->inbox_head + 1) % INBOX_MAX;
    en->inbox_n--;
    pp_header h = it->h;
    bool bad_values = it->bad_values;
    pp_error err = { 0 };
    if (h.type == PP_MSG_STOP) {
        engine_stop = 1;
        inbox_item_free(it);
        return;
    }
    if (h.type == PP_MSG_SYNC) {
        inbox_item_free(it);
        answer_barrier(en, &h);
        return;
    }
    if (h.type != PP_MSG_TASK) {
        inbox_item_free(it);
        return;
    }
    pp_values in = { 0 }, out = { 0 };
    pp_header rep = {
        .type = PP_MSG_RESULT,
        .kind = h.kind,
        .id = pp_msg_id_next(),
        .parent = h.id,
        .engine = atomic_load(&en->id),
        .t_submit = h.t_submit,
        .t_start = pp_now_ns(),
    };
    memcpy(rep.name, h.name, sizeof rep.name);
    int rc = bad_values
                 ? pp_error_set(&err, PP_EPROTO,
                                "the task's values do not match its "
                                "signature (changed on the way?); not run")
                 : pp_frames_take_values(&it->fr, &h, &in, &err);
    inbox_item_free(it);
    if (en->task_delay_s > 0) {
        struct timespec ts = { (time_t)en->task_delay_s, 0 };
        ts.tv_nsec = (long)((en->task_delay_s - (double)ts.tv_sec) * 1e9);
        while (nanosleep(&ts, &ts) && errno == EINTR)
            ;
    }
    if (en->shared) {
        /* If the workload kills this process, the supervisor reads which
         * task and workload it was. */
        memcpy(en->shared->name, h.name, sizeof en->shared->name);
        en->shared->name[sizeof en->shared->name - 1] = '\0';
        atomic_store(&en->shared->started_ns, pp_mono_ns());
        atomic_store(&en->shared->limit_ms, h.limit_ms > 0 ? h.limit_ms : 0);
        atomic_store(&en->shared->task, h.id);
        if (h.limit_ms > 0 && en->ready_fd >= 0) {
            int32_t note = ENGINE_LIMITED_TASK;
            if (write(en->ready_fd, &note, sizeof note) != (ssize_t)sizeof note)
                pp_warn("could not tell the supervisor of the task's time "
                        "limit: %s", strerror(errno));
        }
    }
    if (!rc)
        rc = engine_run_task(&en->ns, &en->mods, &h, &in, &out, &err);
    if (en->shared)
        atomic_store(&en->shared->task, 0);
    pp_values_free(&in);
    rep.t_done = pp_now_ns();
    if (rc) {
        pp_values_free(&out);
        pp_debug("task %016llx failed: %s", (unsigned long long)h.id,
                 err.msg);
        pp_value text;
        if (pp_value_str(&text, err.msg) == 0)
            pp_values_push(&out, &text);
        rep.status = (int8_t)(rc < 0 ? rc : PP_EINVAL);
    }
    if (out.n > PP_MAX_VALUES) {
        pp_values_free(&out);
        pp_value text;
        if (pp_value_str(&text, "the workload returned too many values")
            == 0)
            pp_values_push(&out, &text);
        rep.status = PP_EINVAL;
    }
    /* The controller would drop the connection over a frame larger than
     * its limit, and the task would wait for ever: say so instead. */
    for (size_t i = 0; i < out.n; i++)
        if ((int64_t)out.v[i].size > en->ci.max_message) {
            char text[200];
            snprintf(text, sizeof text,
                     "result value %zu is %.1f MB, more than the "
                     "controller accepts (%.1f MB; see its "
                     "--max-message-size)",
                     i, (double)out.v[i].size / 1e6,
                     (double)en->ci.max_message / 1e6);
            pp_values_free(&out);
            pp_value v;
            if (pp_value_str(&v, text) == 0)
                pp_values_push(&out, &v);
            rep.status = PP_EINVAL;
            break;
        }
    pp_error serr;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &rep, out.v, out.n,
                    &serr))
        pp_warn("could not send a result: %s", serr.msg);
    free(out.v);
}

/* After the controller was lost, from the heart thread: register the main
 * socket again, whatever the main thread is doing.  The main socket stays:
 * ZeroMQ reconnects it to a controller restarted with --reuse (same ports
 * and key, no new file), and its own heartbeats drop a dead connection. */
static void register_again(engine *en, void *sock, pp_signer *signer)
{
    double wait_s = (double)atomic_load(&en->heart_ms)
                    * atomic_load(&en->heart_misses) / 1000.0;
    if (wait_s < 1)
        wait_s = 1;
    pp_error err;
    if (engine_register(en, sock, signer, wait_s, &err) == 0) {
        pp_info("registered again as engine %d", atomic_load(&en->id));
        /* Whatever cut the heart off may have dropped the main
         * connection too, with tasks in it. */
        atomic_store(&en->sync_wanted, true);
    }
    else if (err.code != PP_ETIMEDOUT && err.code != PP_EINTR)
        pp_warn("%s", err.msg);
}

static void *heart_main(void *arg)
{
    engine *en = arg;
    pp_error err;
    pp_signer *signer = pp_signer_new(en->ci.key, sizeof en->ci.key, &err);
    if (signer)
        pp_signer_set_clock_window(signer, en->ci.clock_window_s);
    void *sock = zmq_socket(en->ctx, ZMQ_DEALER);
    if (!signer || !sock) {
        pp_err("the heart thread could not start: %s", err.msg);
        pp_signer_destroy(&signer);
        if (sock)
            zmq_close(sock);
        return NULL;
    }
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    pp_conninfo_secure(&en->ci, sock, &err); /* as the main socket did */
    zmq_connect(sock, en->endpoint);
    uint32_t epoch = atomic_load(&en->epoch);
    int64_t last_answer = pp_mono_ns();
    while (!atomic_load(&en->heart_stop)) {
        int64_t period = atomic_load(&en->heart_ms) * 1000000;
        if (atomic_load(&en->epoch) != epoch) {
            epoch = atomic_load(&en->epoch);
            last_answer = pp_mono_ns();
        }
        pp_header h = { .type = PP_MSG_HEARTBEAT, .id = pp_msg_id_next(),
                        .engine = atomic_load(&en->id) };
        pp_value vals[2];
        pp_value_borrow(&vals[0], PP_T_BYTES, en->rid, sizeof en->rid);
        pp_replay_counts rc = pp_signer_refused(en->signer);
        int64_t refused[3] = { (int64_t)rc.seen,
                               (int64_t)rc.stale,
                               (int64_t)atomic_load(&en->dropped) };
        if (pp_value_i64(&vals[1], refused, 3) == 0)
            pp_msg_send(sock, signer, NULL, 0, &h, vals, 2, &err);
        else
            pp_msg_send(sock, signer, NULL, 0, &h, vals, 1, &err);
        int64_t next = pp_mono_ns() + period;
        for (int64_t left; (left = next - pp_mono_ns()) > 0
                           && !atomic_load(&en->heart_stop);) {
            zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
            long ms = (long)(left / 1000000) + 1;
            if (zmq_poll(&item, 1, ms > 100 ? 100 : ms) <= 0)
                continue;
            pp_frames fr;
            pp_header rep;
            if (pp_frames_recv(sock, &fr, ZMQ_DONTWAIT, &err))
                continue;
            int rc = pp_frames_verify(&fr, signer, &rep, &err);
            pp_frames_close(&fr);
            if (rc || rep.type != PP_MSG_HEARTBEAT)
                continue;
            last_answer = pp_mono_ns();
            if (rep.status && !atomic_load(&en->lost)) {
                pp_warn("the controller does not know engine %d",
                        atomic_load(&en->id));
                atomic_store(&en->lost, true);
            }
        }
        if (pp_mono_ns() - last_answer
                > period * atomic_load(&en->heart_misses)
            && !atomic_load(&en->lost)) {
            pp_warn("no answer from the controller for %.1f s",
                    (double)(pp_mono_ns() - last_answer) / 1e9);
            atomic_store(&en->lost, true);
        }
        if (atomic_load(&en->lost) && !atomic_load(&en->heart_stop))
            register_again(en, sock, signer);
    }
    pp_signer_destroy(&signer);
    zmq_close(sock);
    return NULL;
}

/* The main socket, opened once: tasks come in and results go out on it. */
static int open_socket(engine *en, pp_error *err)
{
    en->sock = zmq_socket(en->ctx, ZMQ_DEALER);
    if (!en->sock)
        return pp_error_set(err, PP_EZMQ, "no ZeroMQ socket: %s",
                            zmq_strerror(zmq_errno()));
    zmq_setsockopt(en->sock, ZMQ_ROUTING_ID, en->rid, sizeof en->rid);
    pp_socket_unbounded(en->sock);
    /* ZeroMQ's own heartbeat on the connection: a half-open one (the
     * controller's host rebooted) is dropped and dialled again. */
    int ivl = 1000, ttl = 5000;
    zmq_setsockopt(en->sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(en->sock, ZMQ_HEARTBEAT_TIMEOUT, &ttl, sizeof ttl);
    int rc = pp_conninfo_secure(&en->ci, en->sock, err);
    if (rc)
        return rc;
    if (zmq_connect(en->sock, en->endpoint))
        return pp_error_set(err, PP_EZMQ, "cannot connect to %s: %s",
                            en->endpoint, zmq_strerror(zmq_errno()));
    return 0;
}

static void heart_stop(engine *en)
{
    if (en->heart_started) {
        atomic_store(&en->heart_stop, true);
        pthread_join(en->heart, NULL);
        en->heart_started = false;
    }
}

static void engine_close(engine *en)
{
    heart_stop(en);
    /* What was read ahead and not run: the controller hands it back or
     * retries it when this engine goes. */
    for (size_t i = 0; en->inbox && i < en->inbox_n; i++)
        inbox_item_free(INBOX_AT(en, i));
    free(en->inbox);
    en->inbox = NULL;
    en->inbox_n = 0;
    if (en->monitor) {
        zmq_socket_monitor(en->sock, NULL, 0);
        zmq_close(en->monitor);
    }
    ns_free(&en->ns);
    modules_free(&en->mods);
    pp_signer_destroy(&en->signer);
    if (en->sock) {
        int linger = 1000;
        zmq_setsockopt(en->sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(en->sock);
    }
    if (en->ctx)
        zmq_ctx_term(en->ctx);
}

int engine_run(const engine_config *cfg, pp_error *err)
{
    engine en = { .id = -1, .heart_ms = 1000, .heart_misses = 5,
                  .shared = cfg->shared, .ready_fd = cfg->ready_fd };
    int rc = pp_conninfo_read(cfg->file, &en.ci, err);
    if (rc)
        return rc;
    pp_conninfo_endpoint(&en.ci, en.ci.engine_port, en.endpoint,
                         sizeof en.endpoint);
    en.file = cfg->file;
    en.task_delay_s = cfg->task_delay_s;
    modules_init(&en.mods, &cfg->modules);
    en.signer = pp_signer_new(en.ci.key, sizeof en.ci.key, err);
    if (!en.signer)
        return err->code;
    pp_signer_set_clock_window(en.signer, en.ci.clock_window_s);
    en.ctx = zmq_ctx_new();
    if (!en.ctx) {
        engine_close(&en);
        return pp_error_set(err, PP_EZMQ, "no ZeroMQ context");
    }
    if (getrandom(en.rid, sizeof en.rid, 0) != sizeof en.rid) {
        engine_close(&en);
        return pp_error_set(err, PP_EIO, "no random bytes for an identity");
    }
    en.rid[0] |= 1; /* ZeroMQ reserves identities starting with a zero */
    if (en.shared)
        memcpy(en.shared->rid, en.rid, sizeof en.rid);
    /* Made before anything is read: a message taken from the socket
     * always has its place. */
    en.inbox = malloc(INBOX_MAX * sizeof *en.inbox);
    if (!en.inbox) {
        engine_close(&en);
        return pp_error_set(err, PP_ENOMEM, "no memory for the engine's "
                                            "inbox");
    }
    if ((rc = open_socket(&en, err))) {
        engine_close(&en);
        return rc;
    }
    open_monitor(&en);

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* The modules `driver load` recorded, before registering: an engine
     * that joins later can run them as soon as it is listed. */
    modules_load_dir(&en.mods);
    /* engine.conf's modules: a startup step that fails stops the engine
     * before it registers, so no task ever finds it without them. */
    for (const char *p = cfg->load; p && *p;) {
        size_t n = strcspn(p, ",");
        char src[PP_PATH_MAX];
        snprintf(src, sizeof src, "%.*s", (int)n, p);
        p += n + (p[n] == ',');
        if ((rc = modules_load_file(&en.mods, src, err))) {
            pp_error_prefix(err, "%s: ", cfg->load_where);
            engine_close(&en);
            return rc;
        }
    }
    rc = engine_register(&en, en.sock, en.signer, cfg->timeout_s, err);
    /* Restarted while the controller is away (rebooting, hung, its
     * network down): given up on, the engine would be lost for good
     * while the ones that did not crash come back. */
    if (rc == PP_ETIMEDOUT && cfg->restarted && !engine_stop) {
        pp_warn("%s: %s; the restarted worker waits for it", cfg->file,
                err->msg);
        while (rc == PP_ETIMEDOUT && !engine_stop)
            rc = engine_register(&en, en.sock, en.signer, cfg->timeout_s,
                                 err);
        if (engine_stop && rc)
            rc = PP_EINTR;
    }
    if (rc) {
        pp_error_prefix(err, "%s: ", cfg->file);
        engine_close(&en);
        return rc == PP_EINTR ? 0 : rc;
    }
    pp_info("registered as engine %d with %s", atomic_load(&en.id),
            en.endpoint);
    if (pthread_create(&en.heart, NULL, heart_main, &en) == 0)
        en.heart_started = true;
    else
        pp_warn("no heart thread: the controller may think this engine "
                "dead");

    while (!engine_stop) {
        zmq_pollitem_t items[2] = { { en.sock, 0, ZMQ_POLLIN, 0 },
                                    { en.monitor, 0, ZMQ_POLLIN, 0 } };
        /* Messages read ahead are handled without waiting. */
        int n = zmq_poll(items, en.monitor ? 2 : 1, en.inbox_n ? 0 : 100);
        if (n < 0 && zmq_errno() != EINTR) {
            pp_err("poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        /* A drop is asked about before the next message is read: the
         * barrier then covers everything the drop may have taken. */
        if (en.monitor && (items[1].revents & ZMQ_POLLIN))
            on_monitor(&en);
        if (atomic_exchange(&en.sync_wanted, false))
            ask_barrier(&en);
        read_ahead(&en);
        if (en.inbox_n)
            on_message(&en);
    }
    heart_stop(&en);
    engine_unregister(&en);
    pp_info("engine %d stopped", atomic_load(&en.id));
    engine_close(&en);
    return 0;
}
