/* hub.c - the controller's event loop.
 *
 * Two ROUTER sockets: engines connect to one, clients to the other; a PUB
 * socket tells whoever listens when engines come and go.  Task messages are
 * verified, then forwarded frame for frame (payloads are never copied or
 * re-encoded); the hub remembers which client asked so the result finds
 * its way back. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "connfile.h"
#include "files.h"
#include "hub_internal.h"
#include "log.h"

static volatile sig_atomic_t hub_stop;

static void on_signal(int sig)
{
    (void)sig;
    hub_stop = 1;
}

/* Which count a message that failed pp_frames_verify goes to. */
static uint64_t *verify_counter(hub *h, const pp_error *err)
{
    if (strstr(err->msg, "replayed"))
        return &h->drops.replayed;
    if (strstr(err->msg, "clock"))
        return &h->drops.stale;
    if (strstr(err->msg, "signature"))
        return &h->drops.bad_signature;
    return &h->drops.malformed;
}

static void on_engine_message(hub *h)
{
    pp_frames fr;
    pp_header hd;
    pp_error err;
    int rc = pp_frames_recv(h->engines_sock, &fr, ZMQ_DONTWAIT, &err);
    if (rc == PP_ETIMEDOUT || rc == PP_EINTR)
        return;
    if (rc) {
        hub_count_drop(&h->drops.malformed, "from an engine", &err);
        return;
    }
    if (fr.nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        hub_count_drop(&h->drops.malformed, "from an engine", &e2);
        pp_frames_close(&fr);
        return;
    }
    rc = pp_frames_verify(&fr, h->signer, &hd, &err);
    if (rc) {
        hub_count_drop(verify_counter(h, &err), "from an engine", &err);
        pp_frames_close(&fr);
        return;
    }
    if (hd.type == PP_MSG_REGISTER) {
        hub_engine_register(h, &fr, &hd);
        pp_frames_close(&fr);
        return;
    }
    if (hd.type == PP_MSG_HEARTBEAT) {
        hub_engine_beat(h, &fr, &hd);
        pp_frames_close(&fr);
        return;
    }
    hub_engine *e = hub_engine_by_rid(h, zmq_msg_data(&fr.route[0]),
                                      zmq_msg_size(&fr.route[0]));
    if (!e) {
        pp_error e2 = { .msg = "not registered" };
        hub_count_drop(&h->drops.unknown_sender, "from an unknown engine", &e2);
        pp_frames_close(&fr);
        return;
    }
    e->last_beat_ns = pp_mono_ns();
    switch (hd.type) {
    case PP_MSG_RESULT:
        hub_task_result(h, e, &fr, &hd);
        break;
    case PP_MSG_UNREGISTER:
        hub_engine_unregister(h, e, &fr, &hd);
        break;
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for engines", hd.type);
        hub_count_drop(&h->drops.malformed, "from an engine", &e2);
    }
    }
    pp_frames_close(&fr);
}

static void on_client_message(hub *h)
{
    pp_frames fr;
    pp_header hd;
    pp_error err;
    int rc = pp_frames_recv(h->clients_sock, &fr, ZMQ_DONTWAIT, &err);
    if (rc == PP_ETIMEDOUT || rc == PP_EINTR)
        return;
    if (rc) {
        hub_count_drop(&h->drops.malformed, "from a client", &err);
        return;
    }
    if (fr.nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
        pp_frames_close(&fr);
        return;
    }
    rc = pp_frames_verify(&fr, h->signer, &hd, &err);
    if (rc) {
        hub_count_drop(verify_counter(h, &err), "from a client", &err);
        pp_frames_close(&fr);
        return;
    }
    zmq_msg_t *client = &fr.route[0];
    /* t_start names this controller's run: a client that sees it change
     * knows its tasks in flight died with the previous one. */
    pp_header rep = {
        .type = hd.type,
        .id = pp_msg_id_next(),
        .parent = hd.id,
        .engine = -1,
        .t_start = h->run_ns,
    };
    switch (hd.type) {
    case PP_MSG_TASK:
        hub_task_submit(h, &fr, &hd);
        break;
    case PP_MSG_IDS:
        hub_reply_ids(h, client, &rep);
        break;
    case PP_MSG_STATUS:
        hub_reply_status(h, client, &rep);
        break;
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for clients", hd.type);
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
    }
    }
    pp_frames_close(&fr);
}

static void drain(hub *h, void *sock, void (*handle)(hub *))
{
    /* A batch at a time, so one busy side cannot starve the other. */
    for (int k = 0; k < 256; k++) {
        hub_observe(h, 0);
        handle(h);
        int ev = 0;
        size_t len = sizeof ev;
        zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len);
        if (!(ev & ZMQ_POLLIN))
            break;
    }
}

int hub_run(const hub_config *cfg, pp_error *err)
{
    hub h = { .cfg = cfg, .started_ns = pp_mono_ns(), .run_ns = pp_now_ns() };
    /* Before the files exist: whoever sees them may signal us at once,
     * and must get a clean exit (files removed), not a default death. */
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pp_conninfo ci = { 0 };
    char engine_path[PP_PATH_MAX], client_path[PP_PATH_MAX];
    h.policy = sched_policy_find(cfg->scheme);
    if (!h.policy)
        return pp_error_set(err, PP_EINVAL,
                            "--scheme: '%s' is not one of %s", cfg->scheme,
                            sched_policy_names());
    if (getrandom(&h.rng, sizeof h.rng, 0) != sizeof h.rng || !h.rng)
        h.rng = (uint64_t)pp_now_ns() | 1;
    int rc = pp_profile_path(cfg->profile, "security", "engine.json",
                             engine_path, sizeof engine_path, err);
    if (rc)
        return rc;

    /* Two controllers on one profile would overwrite each other's files
     * and strand each other's engines. */
    pp_conninfo other;
    pp_error ignored;
    if (pp_conninfo_read(engine_path, &other, &ignored) == 0
        && other.controller_pid > 0 && other.controller_pid != getpid()
        && pp_pid_alive(other.controller_pid))
        return pp_error_set(err, PP_EINVAL,
                            "another controller (pid %ld) is running with "
                            "profile '%s' (%s); stop it first or choose "
                            "another --profile",
                            other.controller_pid, cfg->profile, engine_path);

    bool reused = false;
    if (cfg->reuse && access(engine_path, F_OK) == 0) {
        rc = pp_conninfo_read(engine_path, &ci, err);
        if (rc) {
            pp_error_prefix(err, "--reuse: ");
            return rc;
        }
        reused = true;
    } else {
        rc = pp_key_generate(ci.key, err);
        if (rc)
            return rc;
    }
    snprintf(ci.ip, sizeof ci.ip, "%s", cfg->ip);
    if (cfg->location)
        snprintf(ci.location, sizeof ci.location, "%s", cfg->location);
    else if (strcmp(cfg->ip, "*") && strcmp(cfg->ip, "0.0.0.0"))
        snprintf(ci.location, sizeof ci.location, "%s", cfg->ip);
    else if (hub_first_lan_address(ci.location, sizeof ci.location))
        snprintf(ci.location, sizeof ci.location, "127.0.0.1");
    ci.controller_pid = (long)getpid();
    ci.clock_window_s = cfg->clock_window_s;
    ci.max_message = cfg->max_message;

    h.signer = pp_signer_new(ci.key, sizeof ci.key, err);
    if (h.signer)
        pp_signer_set_clock_window(h.signer, cfg->clock_window_s);
    h.ctx = zmq_ctx_new();
    if (!h.signer || !h.ctx) {
        hub_free(&h);
        return err->code ? err->code
                         : pp_error_set(err, PP_EZMQ, "no ZeroMQ context");
    }
    h.engines_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    h.clients_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    h.events_sock = zmq_socket(h.ctx, ZMQ_PUB);
    int one = 1;
    zmq_setsockopt(h.engines_sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    /* A task sent to an engine that is gone must fail loudly, not vanish. */
    zmq_setsockopt(h.engines_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    pp_socket_unbounded(h.engines_sock);
    /* A client that does not read must not make the controller buffer
     * without bound: at most --backlog messages in ZeroMQ's pipe to it,
     * then sends fail with EAGAIN (never block, never drop) and outbox.c
     * keeps what waits, counted against the backlog. */
    int sndhwm = cfg->backlog > 0 && cfg->backlog < INT32_MAX
                     ? (int)cfg->backlog
                     : 0;
    int zero = 0;
    zmq_setsockopt(h.clients_sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(h.clients_sock, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(h.clients_sock, ZMQ_SNDTIMEO, &zero, sizeof zero);
    zmq_setsockopt(h.clients_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    /* ZeroMQ refuses a larger frame from its header, before reading it,
     * and drops that peer's connection. */
    zmq_setsockopt(h.engines_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    zmq_setsockopt(h.clients_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    const char *bind_ip = strcmp(cfg->ip, "*") == 0 ? "0.0.0.0" : cfg->ip;
    rc = hub_curve_setup(&h, &ci, reused, err);
    if (rc) {
        hub_free(&h);
        return rc;
    }
    rc = hub_bind_port(h.engines_sock, bind_ip,
                       reused ? ci.engine_port : 0, &ci.engine_port, err);
    if (!rc)
        rc = hub_bind_port(h.clients_sock, bind_ip,
                           reused ? ci.client_port : 0, &ci.client_port, err);
    if (!rc)
        rc = hub_bind_port(h.events_sock, bind_ip,
                           reused ? ci.events_port : 0, &ci.events_port, err);
    if (!rc)
        rc = hub_write_files(cfg, &ci, engine_path, client_path, err);
    if (rc) {
        hub_free(&h);
        return rc;
    }
    pp_info("listening on %s ports %d (engines), %d (clients) and %d "
            "(events)%s%s; scheme %s, hwm %d",
            cfg->ip, ci.engine_port, ci.client_port, ci.events_port,
            reused ? ", reused" : "", cfg->curve ? ", CurveZMQ" : "",
            h.policy->name, cfg->hwm);
    pp_info("wrote %s and %s", engine_path, client_path);

    zmq_pollitem_t items[] = {
        { h.engines_sock, 0, ZMQ_POLLIN, 0 },
        { h.clients_sock, 0, ZMQ_POLLIN, 0 },
        { h.zap_sock, 0, ZMQ_POLLIN, 0 },
    };
    int nitems = h.zap_sock ? 3 : 2;
    int64_t tick_ns = (int64_t)(cfg->heartbeat_s * 1e9 / 4);
    if (tick_ns < 10000000)
        tick_ns = 10000000;
    int64_t next_tick = pp_mono_ns() + tick_ns;
    h.stall_limit_ns = 4 * tick_ns;
    h.awake_ns = pp_mono_ns();
    bool blocked = false; /* some client's outbox is not empty */
    while (!hub_stop) {
        int64_t wait_ms = (next_tick - pp_mono_ns()) / 1000000;
        if (blocked && wait_ms > 10)
            wait_ms = 10;
        if (wait_ms < 0)
            wait_ms = 0;
        int n = zmq_poll(items, nitems, (long)wait_ms);
        /* Longer since the last wake-up than the wait and a few ticks of
         * work: the process was not running. */
        hub_observe(&h, wait_ms * 1000000);
        if (n < 0 && zmq_errno() != EINTR) {
            pp_err("poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        if (n > 0 && (items[0].revents & ZMQ_POLLIN))
            drain(&h, h.engines_sock, on_engine_message);
        if (n > 0 && (items[1].revents & ZMQ_POLLIN))
            drain(&h, h.clients_sock, on_client_message);
        if (n > 0 && nitems > 2 && (items[2].revents & ZMQ_POLLIN))
            hub_curve_answer(&h);
        blocked = h.nblocked ? hub_clients_flush(&h) : false;
        hub_observe(&h, 0);
        int64_t now = pp_mono_ns();
        if (now >= next_tick) {
            hub_check_hearts(&h, now);
            /* Scanning a long queue every tick is for runs that asked
             * for start timeouts only. */
            if (h.timeouts_seen)
                hub_expire_queued(&h, now);
            next_tick = now + tick_ns;
        }
    }
    pp_info("stopping (%llu tasks done)", (unsigned long long)h.tasks_done);
    if (!cfg->reuse) {
        unlink(engine_path);
        unlink(client_path);
        if (cfg->curve) {
            char key_path[PP_PATH_MAX];
            if (pp_profile_path(cfg->profile, "security", "controller.key",
                                key_path, sizeof key_path, err) == 0)
                unlink(key_path);
        }
    }
    hub_free(&h);
    return 0;
}
