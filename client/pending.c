/* pending.c - tasks in flight when the client's connection dropped or its
 * controller restarted.
 *
 * ZeroMQ discards what was on a connection that drops (and the kernel what
 * was in its buffers), and dials again; a restarted controller has lost
 * every task it held.  Neither says a word: results for tasks lost that way
 * never come, while the controller still answers pings, so the client
 * would wait for ever.  Tasks sent while no connection was up waited in the
 * socket's queue and went out on the new one, so they did reach the
 * controller, and run there.  The client therefore asks the controller
 * which of its tasks in flight it holds (PENDING) and fails the others.
 * Messages on one connection keep their order: by the request the
 * controller has seen every task sent before it, and the results of those
 * that ended have come before its answer.  The client's routing id is its
 * own (pp_client_connect), so after a drop the controller knows the new
 * connection as the same client and sends its results there.  The drops
 * are watched once a task has been in flight for a second (a command
 * whose tasks come back at once does not pay for the monitor), and the
 * client asks once then, for a drop before. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "log.h"

static void why_lost(const pp_client *c, bool restarted, char *why,
                     size_t size)
{
    if (restarted)
        snprintf(why, size,
                 "the controller at %s restarted while the task was in "
                 "flight: submit it again",
                 c->endpoint);
    else
        snprintf(why, size,
                 "the connection to the controller at %s dropped while the "
                 "task was in flight, and its result with it: submit it "
                 "again",
                 c->endpoint);
}

void client_ask_pending(pp_client *c, int64_t known_run)
{
    /* Another drop or restart while a question is out may have lost it or
     * its answer: a new one, naming every task in flight now, takes its
     * place (an answer to the old one is ignored).  The patience still
     * runs from the first question, so that drops at every reconnection
     * cannot put it off. */
    bool first = c->pending_req == 0;
    if (first)
        c->pending_run = known_run;
    char why[512];
    why_lost(c, c->pending_run != c->epoch, why, sizeof why);
    /* One request, one frame: past the controller's limit on a frame it
     * would drop the connection, and the answer with it.  With a limit
     * that small (--max-message-size under 8 bytes a task in flight) the
     * tasks past it are not asked about, and are waited for as before. */
    size_t room = c->max_message > 64
                      ? (size_t)(c->max_message - 64) / sizeof(int64_t)
                      : 1;
    size_t most = c->in_flight < room ? c->in_flight : room;
    int64_t *ids = malloc(most * sizeof *ids + 1);
    if (!ids) {
        /* Not asked: none can be known to run, so none is waited for. */
        client_fail_lost(c, why, false);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->tasks.cap; i++) {
        task_ref *r = c->tasks.vals[i];
        if (!r)
            continue;
        async_slot *s = &r->a->slots[r->slot];
        if (s->sent && !s->done) {
            s->asked = n < most; /* past the frame's room: not asked */
            if (s->asked)
                ids[n++] = (int64_t)s->id;
        }
    }
    if (n == 0) {
        free(ids);
        c->pending_req = 0;
        return;
    }
    pp_header h = { .type = PP_MSG_PENDING, .id = pp_msg_id_next(),
                    .engine = -1, .t_submit = pp_now_ns() };
    pp_value v;
    pp_error err;
    int rc = pp_value_i64(&v, ids, n);
    free(ids);
    if (rc || pp_msg_send(c->sock, c->signer, NULL, 0, &h, &v, 1, &err)) {
        client_fail_lost(c, why, false);
        return;
    }
    pp_debug("asking the controller at %s which of the %zu task%s in "
             "flight it still has",
             c->endpoint, n, n == 1 ? "" : "s");
    c->pending_req = h.id;
    if (first)
        c->pending_sent_ns = pp_mono_ns();
}

void client_pending_answered(pp_client *c, const pp_header *h,
                             pp_values *vals)
{
    if (h->t_start)
        c->epoch = h->t_start;
    for (size_t k = 0; !h->status && k < vals->n; k++) {
        if (vals->v[k].type != PP_T_I64)
            break;
        const int64_t *held = pp_value_i64s(&vals->v[k]);
        for (size_t i = 0; i < pp_value_count(&vals->v[k]); i++) {
            task_ref *r = pp_idmap_get(&c->tasks, (uint64_t)held[i]);
            if (r)
                r->a->slots[r->slot].asked = false; /* it runs there */
        }
    }
    char why[512];
    why_lost(c, c->pending_run != c->epoch, why, sizeof why);
    client_fail_lost(c, why, true);
}

bool client_pending_expired(pp_client *c, int64_t now)
{
    if (!c->pending_req || now - c->pending_sent_ns <= c->patience_ns)
        return false;
    char why[512];
    snprintf(why, sizeof why,
             "no answer from the controller at %s within %.1f s to whether "
             "it still has the task (its connection dropped or it "
             "restarted): submit it again",
             c->endpoint, (double)c->patience_ns / 1e9);
    pp_info("%s", why);
    client_fail_lost(c, why, true);
    return true;
}

bool client_ask_on_own(pp_client *c, int64_t now)
{
    /* Watched once a task has been in flight for a second, however busy
     * the client is otherwise: a command whose tasks come back at once
     * (driver hello) does not pay for the monitor (0.1 ms); a drop before
     * it was open is found by asking then.  Without a monitor (it could
     * not be opened) the client asks every 2 s. */
    bool open_now = !c->monitor_tried
                    && now - c->in_flight_since_ns > 1000000000;
    bool poll_now = c->monitor_tried && !c->monitor && !c->pending_req
                    && now - c->asked_ns > 2000000000;
    if (!c->in_flight || !(open_now || poll_now))
        return false;
    if (open_now) {
        c->monitor_tried = true;
        client_monitor_open(c);
    }
    size_t before = c->in_flight;
    client_ask_pending(c, c->epoch);
    c->asked_ns = now;
    return c->in_flight < before;
}

/* ---- the connection's drops, from ZeroMQ's monitor -------------------- */

void client_monitor_open(pp_client *c)
{
    char addr[64];
    snprintf(addr, sizeof addr, "inproc://pipar-client-%p", (void *)c);
    if (zmq_socket_monitor(c->sock, addr, ZMQ_EVENT_DISCONNECTED)) {
        pp_warn("no monitor of the connection: %s",
                zmq_strerror(zmq_errno()));
        return;
    }
    c->monitor = zmq_socket(c->ctx, ZMQ_PAIR);
    if (!c->monitor || zmq_connect(c->monitor, addr)) {
        pp_warn("no monitor of the connection: %s",
                zmq_strerror(zmq_errno()));
        client_monitor_close(c);
    }
}

void client_monitor_close(pp_client *c)
{
    if (c->sock)
        zmq_socket_monitor(c->sock, NULL, 0);
    if (c->monitor) {
        int linger = 0;
        zmq_setsockopt(c->monitor, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(c->monitor);
        c->monitor = NULL;
    }
}

void client_monitor_read(pp_client *c)
{
    if (pp_monitor_saw(c->monitor, ZMQ_EVENT_DISCONNECTED) && c->in_flight)
        client_ask_pending(c, c->epoch);
}
