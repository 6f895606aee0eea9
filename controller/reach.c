/* reach.c - an engine the controller cannot send to for a moment.
 *
 * When an engine's main connection drops, the engines' ROUTER forgets its
 * routing id until the engine dials again; a send in between fails
 * (ZMQ_ROUTER_MANDATORY: EHOSTUNREACH).  The engine is not gone: its heart
 * beats on its own connection, and its next connection asks for a barrier
 * (SYNC, engines.c).  Declaring it gone there would give it a new id when
 * it registers again, for a blip.  So it stays registered, unreachable:
 * the scheduler gives it nothing (the balanced task whose send failed
 * never left, and goes back to the queue), and direct tasks for it wait
 * here, in order.  It is tried again at each tick and at each direct task
 * for it (its held tasks first, or a probe: a HEARTBEAT on the main
 * connection, which engines ignore); the first send that goes through,
 * or its SYNC, means it is connected again: what was held is sent, in
 * order, and the barrier settles what the drop took.  Unreachable longer
 * than the heartbeat patience (heartbeat period x misses) it is gone as
 * before, and so is it when its heart stops; its held tasks then fail:
 * they never ran and can run nowhere else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

int hub_engine_send(hub *h, hub_engine *e, zmq_msg_t *body, int n,
                    bool keep)
{
    /* Nothing is sent when the routing id's frame fails: a connection
     * that is not there (EHOSTUNREACH) or an interrupted wait alike. */
    if (zmq_send(h->engines_sock, e->rid, e->rid_len, ZMQ_SNDMORE) < 0)
        return HUB_UNREACHABLE;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        int more = i + 1 < n ? ZMQ_SNDMORE : 0;
        zmq_msg_t copy;
        zmq_msg_t *m = &body[i];
        if (keep) {
            zmq_msg_init(&copy);
            zmq_msg_copy(&copy, &body[i]); /* shares the bytes */
            m = &copy;
        }
        if (rc == 0 && zmq_msg_send(m, h->engines_sock, more) < 0) {
            pp_warn("could not send to engine %d: %s", e->id,
                    zmq_strerror(zmq_errno()));
            rc = PP_EZMQ;
        }
        if (rc)
            zmq_msg_close(m);
    }
    return rc;
}

void hub_engine_unreachable(hub *h, hub_engine *e)
{
    if (e->unreachable_ns)
        return;
    e->unreachable_ns = pp_mono_ns();
    pp_info("engine %d is not connected (its last heartbeat was %.1f s "
            "ago); its tasks wait up to %.1f s for it to connect again",
            e->id, (double)(e->unreachable_ns - e->last_beat_ns) / 1e9,
            h->cfg->heartbeat_s * h->cfg->heartbeat_misses);
}

/* Sends e's held tasks in order, as far as they go: how many went, or -1
 * when the first one found e still unreachable. */
static long send_held(hub *h, hub_engine *e)
{
    size_t done = 0;
    long sent = 0;
    for (; done < e->nheld; done++) {
        hub_task *t = e->held[done];
        pp_error err;
        /* A fresh stamp: it may have waited a while. */
        int rc = pp_seal_renew(t->body, t->nbody, h->signer, &err)
                     ? PP_EPROTO
                     : hub_engine_send(h, e, t->body, t->nbody, false);
        if (rc == HUB_UNREACHABLE)
            break;
        /* Sent, its frames ZeroMQ's; or closed by a failure. */
        for (int i = 0; rc == PP_EPROTO && i < t->nbody; i++)
            zmq_msg_close(&t->body[i]);
        free(t->body);
        t->body = NULL;
        t->nbody = 0;
        if (rc) {
            hub_fail_task(h, t, PP_EZMQ,
                          "the controller could not send the task");
            continue;
        }
        t->sent_seq = ++h->sent_seq;
        e->outstanding++;
        sent++;
    }
    e->nheld -= done;
    if (done && e->nheld)
        memmove(e->held, e->held + done, e->nheld * sizeof *e->held);
    return e->nheld ? -1 : sent;
}

/* A message engines ignore on their main connection: does it go? */
static int probe(hub *h, hub_engine *e)
{
    pp_header hd = { .type = PP_MSG_HEARTBEAT, .id = pp_msg_id_next(),
                     .engine = e->id };
    pp_frames fr;
    pp_error err;
    if (pp_msg_build(h->signer, &hd, NULL, 0, &fr, &err)) {
        pp_warn("could not build a probe: %s", err.msg);
        return PP_EPROTO;
    }
    int rc = hub_engine_send(h, e, fr.body, fr.nbody, false);
    pp_frames_close(&fr);
    return rc;
}

bool hub_engine_reach(hub *h, hub_engine *e)
{
    long sent = send_held(h, e);
    if (sent < 0)
        return false;
    if (!e->unreachable_ns)
        return true;
    /* Nothing held went (there was nothing): a probe tells. */
    if (sent == 0 && probe(h, e) == HUB_UNREACHABLE)
        return false;
    pp_info("engine %d is connected again after %.1f s", e->id,
            (double)(pp_mono_ns() - e->unreachable_ns) / 1e9);
    e->unreachable_ns = 0;
    hub_dispatch(h);
    return true;
}

void hub_engine_hold(hub *h, hub_engine *e, hub_task *t)
{
    if (e->nheld == e->cap_held) {
        size_t cap = e->cap_held ? e->cap_held * 2 : 8;
        hub_task **grown = realloc(e->held, cap * sizeof *grown);
        if (!grown) {
            hub_fail_task(h, t, PP_ENOMEM,
                          "the controller could not keep the task while "
                          "the engine is not connected");
            return;
        }
        e->held = grown;
        e->cap_held = cap;
    }
    e->held[e->nheld++] = t;
    hub_engine_unreachable(h, e);
    hub_engine_reach(h, e);
}

void hub_engine_drop_held(hub *h, hub_engine *e, const char *how)
{
    /* The client puts "engine N: " in front of this. */
    char why[240];
    snprintf(why, sizeof why,
             "%s (the task waited for its connection and never ran)", how);
    for (size_t i = 0; i < e->nheld; i++)
        hub_fail_task(h, e->held[i], PP_EREMOTE, why);
    free(e->held);
    e->held = NULL;
    e->nheld = e->cap_held = 0;
    e->unreachable_ns = 0;
}

void hub_check_reach(hub *h, int64_t now)
{
    int64_t limit = (int64_t)(h->cfg->heartbeat_s * 1e9)
                  * h->cfg->heartbeat_misses;
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (!e->alive || !e->unreachable_ns || hub_engine_reach(h, e))
            continue;
        if (now - e->unreachable_ns > limit) {
            char how[120];
            snprintf(how, sizeof how,
                     "was unreachable for %.1f s: its connection dropped "
                     "and did not come back",
                     (double)(now - e->unreachable_ns) / 1e9);
            hub_engine_gone(h, e, how, false);
        }
    }
}
