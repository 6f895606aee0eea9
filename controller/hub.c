/* hub.c - the controller's event loop and the dispatch of what arrives.
 *
 * Two ROUTER sockets: engines connect to one, clients to the other; a PUB
 * socket tells whoever listens when engines come and go.  Task messages are
 * verified, then forwarded frame for frame (payloads are never copied,
 * re-encoded or hashed here); the hub remembers which client asked so the result finds
 * its way back.  Each message is received here, then handled by
 * hub_handle_engine or hub_handle_client, which tests and the fuzzer call
 * directly. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "heap.h"
#include "hub_internal.h"
#include "log.h"

static volatile sig_atomic_t hub_stop;

static void on_signal(int sig)
{
    (void)sig;
    hub_stop = 1;
}

/* Which count a message that failed verification goes to. */
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

/* One message off sock, or nothing (none waiting, or one refused by
 * pp_frames_recv and counted).  0 when fr holds a message. */
/* Checks what the controller acts on: the seal of every message (header,
 * values MAC, stamp: one small HMAC), and the values of those whose values
 * it reads.  The values of tasks and of successful results it forwards
 * unread, and unhashed: the engine checks a task's values, the client a
 * result's (docs/protocol.md, "Who checks what").  A result that failed
 * carries a text the controller may quote, so its values are checked. */
static int verify(hub *h, const pp_frames *fr, bool from_client,
                  pp_header *hd, pp_error *err)
{
    int rc = pp_frames_verify_seal(fr, h->signer, hd, err);
    if (rc)
        return rc;
    bool forwarded_unread = from_client
                                ? hd->type == PP_MSG_TASK
                                : hd->type == PP_MSG_RESULT && !hd->status;
    return forwarded_unread ? 0 : pp_frames_verify_values(fr, h->signer, err);
}

static int receive(hub *h, void *sock, pp_frames *fr, const char *from)
{
    pp_error err;
    int rc = pp_frames_recv(sock, fr, ZMQ_DONTWAIT, &err);
    if (rc && rc != PP_ETIMEDOUT && rc != PP_EINTR)
        hub_count_drop(&h->drops.malformed, from, &err);
    return rc;
}

/* Tasks and results are what makes big buffers come and go (heap.h);
 * heartbeats and status requests do not count. */
static void busy(hub *h)
{
    h->busy_ns = pp_mono_ns();
    h->trim_due = true;
}

void hub_handle_engine(hub *h, pp_frames *fr)
{
    pp_header hd;
    pp_error err;
    if (fr->nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        hub_count_drop(&h->drops.malformed, "from an engine", &e2);
        pp_frames_close(fr);
        return;
    }
    if (verify(h, fr, false, &hd, &err)) {
        hub_count_drop(verify_counter(h, &err), "from an engine", &err);
        pp_frames_close(fr);
        return;
    }
    if (hd.type == PP_MSG_REGISTER) {
        hub_engine_register(h, fr, &hd);
        pp_frames_close(fr);
        return;
    }
    if (hd.type == PP_MSG_HEARTBEAT) {
        hub_engine_beat(h, fr, &hd);
        pp_frames_close(fr);
        return;
    }
    if (hd.type == PP_MSG_DIED) {
        hub_engine_died(h, fr, &hd);
        pp_frames_close(fr);
        return;
    }
    hub_engine *e = hub_engine_by_rid(h, zmq_msg_data(&fr->route[0]),
                                      zmq_msg_size(&fr->route[0]));
    if (!e && hd.type == PP_MSG_SYNC) {
        /* Signed, so a genuine engine's: one that reconnected to a
         * controller that does not know it (restarted, or it was declared
         * dead); its tasks were dealt with then, and it registers again. */
        pp_debug("a barrier request from an engine not registered here");
        pp_frames_close(fr);
        return;
    }
    if (!e) {
        pp_error e2 = { .msg = "not registered" };
        hub_count_drop(&h->drops.unknown_sender, "from an unknown engine",
                       &e2);
        pp_frames_close(fr);
        return;
    }
    e->last_beat_ns = pp_mono_ns();
    switch (hd.type) {
    case PP_MSG_RESULT:
        busy(h);
        if (h->http)
            hub_http_result(h, e, fr, &hd);
        else
            hub_task_result(h, e, fr, &hd);
        break;
    case PP_MSG_UNREGISTER:
        hub_engine_unregister(h, e, fr, &hd);
        break;
    case PP_MSG_SYNC:
        hub_engine_sync(h, e, &hd);
        break;
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for engines", hd.type);
        hub_count_drop(&h->drops.malformed, "from an engine", &e2);
    }
    }
    pp_frames_close(fr);
}

void hub_handle_client(hub *h, pp_frames *fr)
{
    pp_header hd;
    pp_error err;
    if (fr->nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
        pp_frames_close(fr);
        return;
    }
    if (verify(h, fr, true, &hd, &err)) {
        hub_count_drop(verify_counter(h, &err), "from a client", &err);
        pp_frames_close(fr);
        return;
    }
    zmq_msg_t *client = &fr->route[0];
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
        busy(h);
        hub_task_submit(h, fr, &hd);
        break;
    case PP_MSG_IDS:
        hub_reply_ids(h, client, &rep);
        break;
    case PP_MSG_STATUS:
        hub_reply_status(h, client, &rep);
        break;
    case PP_MSG_ABORT:
        hub_task_abort(h, fr, &hd, &rep);
        break;
    case PP_MSG_STOP:
        hub_shutdown(h, fr, &hd, &rep);
        break;
    case PP_MSG_PENDING:
        hub_reply_pending(h, fr, &hd, &rep);
        break;
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for clients", hd.type);
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
    }
    }
    pp_frames_close(fr);
}

static void on_engine_message(hub *h)
{
    pp_frames fr;
    if (receive(h, h->engines_sock, &fr, "from an engine") == 0)
        hub_handle_engine(h, &fr);
}

static void on_client_message(hub *h)
{
    pp_frames fr;
    if (receive(h, h->clients_sock, &fr, "from a client") == 0)
        hub_handle_client(h, &fr);
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

int hub_step(hub *h, int timeout_ms)
{
    zmq_pollitem_t items[] = {
        { h->engines_sock, 0, ZMQ_POLLIN, 0 },
        { h->clients_sock, 0, ZMQ_POLLIN, 0 },
        { h->zap_sock, 0, ZMQ_POLLIN, 0 },
        /* --http: the web server's epoll fd, one for all its sockets */
        { NULL, hub_http_fd(h), ZMQ_POLLIN, 0 },
    };
    int nitems = h->zap_sock ? 3 : 2;
    int http_item = -1;
    if (items[3].fd >= 0) {
        items[nitems] = items[3];
        http_item = nitems++;
    }
    int64_t wait_ms = (h->next_tick_ns - pp_mono_ns()) / 1000000;
    /* Clients that did not read are tried again soon. */
    if (h->flushing && wait_ms > 10)
        wait_ms = 10;
    int64_t http_ms = hub_http_timeout_ms(h);
    if (http_ms >= 0 && wait_ms > http_ms)
        wait_ms = http_ms;
    if (timeout_ms >= 0 && wait_ms > timeout_ms)
        wait_ms = timeout_ms;
    if (wait_ms < 0)
        wait_ms = 0;
    int n = zmq_poll(items, nitems, (long)wait_ms);
    /* Longer since the last wake-up than the wait and a few ticks of
     * work: the process was not running. */
    hub_observe(h, wait_ms * 1000000);
    if (n < 0 && zmq_errno() != EINTR) {
        pp_err("poll: %s", zmq_strerror(zmq_errno()));
        return PP_EZMQ;
    }
    if (n > 0 && (items[0].revents & ZMQ_POLLIN))
        drain(h, h->engines_sock, on_engine_message);
    if (n > 0 && (items[1].revents & ZMQ_POLLIN))
        drain(h, h->clients_sock, on_client_message);
    if (n > 0 && h->zap_sock && (items[2].revents & ZMQ_POLLIN))
        hub_curve_answer(h);
    if (http_item >= 0)
        hub_http_run(h, n > 0 && (items[http_item].revents & ZMQ_POLLIN));
    h->flushing = h->nblocked ? hub_clients_flush(h) : false;
    hub_observe(h, 0);
    int64_t now = pp_mono_ns();
    if (now >= h->next_tick_ns) {
        hub_check_hearts(h, now);
        hub_check_reach(h, now);
        /* Scanning a long queue every tick is for runs that asked for
         * start timeouts only. */
        if (h->timeouts_seen)
            hub_expire_queued(h, now);
        /* The buffers of a burst of tasks are kept for the next burst
         * (heap.h), and given back after a second without tasks. */
        if (h->trim_due && now - h->busy_ns > 1000000000) {
            pp_heap_trim();
            h->trim_due = false;
        }
        h->next_tick_ns = now + h->tick_ns;
    }
    return 0;
}

int hub_run(const hub_config *cfg, pp_error *err)
{
    /* Before the files exist: whoever sees them may signal us at once,
     * and must get a clean exit (files removed), not a default death. */
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    hub *h;
    int rc = hub_open(cfg, NULL, &h, err);
    if (rc)
        return rc;
    while (!hub_stop && !hub_stopped(h))
        if (hub_step(h, -1))
            break;
    pp_info("stopping (%llu tasks done)", (unsigned long long)h->tasks_done);
    hub_close(&h);
    return 0;
}
