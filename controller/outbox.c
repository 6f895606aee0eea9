/* outbox.c - what the controller sends to clients, and what it does when
 * a client does not read.
 *
 * clients_sock has a send high-water mark of --backlog messages per client
 * and ZMQ_ROUTER_MANDATORY: when ZeroMQ's pipe to a client is full a send
 * fails with EAGAIN instead of dropping the message.  The message then
 * waits in the client's outbox, in order, and everything sent to that
 * client after it waits behind it.  A waiting result still counts against
 * the client's backlog, so a client that submits and never reads is
 * refused new tasks once its backlog is full; while its outbox is not
 * empty the scheduler hands none of its queued tasks to an engine (they
 * are parked here and queued again, in order, when the outbox drains).
 * Other replies (ids, status, refusals) may wait up to OTHER_BYTES_MAX
 * bytes per client; past that they are dropped and counted (dropped
 * "unread"), the first one logged.  The outboxes are tried again after
 * every batch of messages and every 10 ms while one is not empty
 * (hub.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

#define OTHER_BYTES_MAX ((size_t)4 << 20)

uint64_t hub_client_key(const uint8_t *rid, size_t len)
{
    uint64_t x = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        x = (x ^ rid[i]) * 0x100000001b3ull;
    return x;
}

hub_client *hub_client_get(hub *h, const uint8_t *rid, size_t len,
                           bool create)
{
    uint64_t key = hub_client_key(rid, len);
    hub_client *c = pp_idmap_get(&h->clients, key);
    if (c || !create || len == 0 || len > RID_MAX)
        return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->key = key;
    memcpy(c->rid, rid, len);
    c->rid_len = len;
    if (pp_idmap_put(&h->clients, key, c)) {
        free(c);
        return NULL;
    }
    return c;
}

void hub_client_release(hub *h, hub_client *c)
{
    /* Forgotten when empty, so the table does not grow with every driver
     * command ever run. */
    if (c && c->tasks == 0 && !c->head && c->nparked == 0) {
        pp_idmap_remove(&h->clients, c->key);
        free(c->parked);
        free(c);
    }
}

size_t hub_client_load(hub *h, const uint8_t *rid, size_t len)
{
    hub_client *c = hub_client_get(h, rid, len, false);
    return c ? c->tasks + c->results : 0;
}

static void close_frames(zmq_msg_t *body, int n)
{
    for (int i = 0; i < n; i++)
        zmq_msg_close(&body[i]);
}

/* 0: sent; 1: the pipe is full, nothing sent, body untouched; -1: the
 * client is gone (or ZeroMQ failed), body closed. */
static int try_send(hub *h, const uint8_t *rid, size_t len, zmq_msg_t *body,
                    int n)
{
    if (zmq_send(h->clients_sock, rid, len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() == EAGAIN)
            return 1;
        pp_debug("a message for a client that is gone was dropped: %s",
                 zmq_strerror(zmq_errno()));
        close_frames(body, n);
        return -1;
    }
    /* Past the routing id the whole message goes: ZeroMQ checks the
     * high-water mark on a message's first frame only. */
    for (int i = 0; i < n; i++) {
        int more = i + 1 < n ? ZMQ_SNDMORE : 0;
        if (zmq_msg_send(&body[i], h->clients_sock, more | ZMQ_DONTWAIT)
            < 0) {
            pp_warn("could not send a message to a client: %s",
                    zmq_strerror(zmq_errno()));
            close_frames(body + i, n - i);
            return -1;
        }
    }
    return 0;
}

static int set_blocked(hub *h, hub_client *c)
{
    if (h->nblocked == h->cap_blocked) {
        size_t cap = h->cap_blocked ? h->cap_blocked * 2 : 8;
        hub_client **grown = realloc(h->blocked, cap * sizeof *grown);
        if (!grown)
            return PP_ENOMEM;
        h->blocked = grown;
        h->cap_blocked = cap;
    }
    h->blocked[h->nblocked++] = c;
    return 0;
}

static void drop_unread(hub *h, const char *why)
{
    if (h->drops.unread++ == 0)
        pp_warn("dropped a reply to a client that does not read (%s); "
                "further ones are counted silently",
                why);
}

void hub_client_send(hub *h, const uint8_t *rid, size_t len, pp_frames *fr,
                     bool result)
{
    for (int i = 0; i < fr->nroute; i++)
        zmq_msg_close(&fr->route[i]);
    fr->nroute = 0;
    int n = fr->nbody;
    fr->nbody = 0;
    hub_client *c = hub_client_get(h, rid, len, false);
    if ((!c || !c->head) && try_send(h, rid, len, fr->body, n) <= 0)
        return;
    /* The pipe is full, or older messages wait: this one waits too. */
    size_t bytes = 0;
    for (int i = 0; i < n; i++)
        bytes += zmq_msg_size(&fr->body[i]);
    if (!c)
        c = hub_client_get(h, rid, len, true);
    if (c && !result && c->other_bytes + bytes > OTHER_BYTES_MAX) {
        drop_unread(h, "over 4 MiB of replies wait for it");
        close_frames(fr->body, n);
        hub_client_release(h, c);
        return;
    }
    hub_out *o = c ? malloc(sizeof *o + (size_t)n * sizeof o->body[0])
                   : NULL;
    if (!o || (!c->head && set_blocked(h, c))) {
        free(o);
        drop_unread(h, "out of memory");
        close_frames(fr->body, n);
        hub_client_release(h, c);
        return;
    }
    o->next = NULL;
    o->result = result;
    o->bytes = bytes;
    o->nbody = n;
    for (int i = 0; i < n; i++) {
        zmq_msg_init(&o->body[i]);
        zmq_msg_move(&o->body[i], &fr->body[i]);
    }
    if (c->tail)
        c->tail->next = o;
    else
        c->head = o;
    c->tail = o;
    if (result)
        c->results++;
    else
        c->other_bytes += bytes;
}

void hub_client_reply(hub *h, const uint8_t *rid, size_t len, pp_header *hd,
                      pp_value *vals, size_t n)
{
    pp_frames fr;
    pp_error err;
    if (pp_msg_build(h->signer, hd, vals, n, &fr, &err)) {
        pp_warn("could not build a reply: %s", err.msg);
        return;
    }
    hub_client_send(h, rid, len, &fr, false);
}

static void unpark(hub *h, hub_client *c)
{
    /* In their order, in front of the queue where they were taken. */
    while (c->nparked) {
        hub_task *t = c->parked[--c->nparked];
        /* A follower whose engine went while it was parked: failed now
         * (hub_fail_followers did not see it), not queued for ever. */
        if (t->follow >= 0 && !hub_engine_by_id(h, t->follow)) {
            hub_fail_follower(h, t);
            continue;
        }
        if (hub_enqueue(h, t, true)) {
            pp_idmap_remove(&h->tasks, t->id);
            hub_fail_task(h, t, PP_ENOMEM,
                          "the controller could not queue the task again");
        }
    }
}

bool hub_clients_flush(hub *h)
{
    bool drained = false;
    for (size_t i = 0; i < h->nblocked;) {
        hub_client *c = h->blocked[i];
        while (c->head) {
            hub_out *o = c->head;
            int rc = try_send(h, c->rid, c->rid_len, o->body, o->nbody);
            if (rc > 0)
                break;
            c->head = o->next;
            if (!c->head)
                c->tail = NULL;
            if (o->result)
                c->results--;
            else
                c->other_bytes -= o->bytes;
            free(o);
        }
        if (c->head) {
            i++;
            continue;
        }
        h->blocked[i] = h->blocked[--h->nblocked];
        drained = drained || c->nparked;
        unpark(h, c);
        hub_client_release(h, c);
    }
    if (drained)
        hub_dispatch(h);
    return h->nblocked > 0;
}

bool hub_client_park(hub *h, hub_task *t)
{
    if (!h->nblocked)
        return false;
    hub_client *c = hub_client_get(h, t->client, t->client_len, false);
    if (!c || !c->head)
        return false;
    if (c->nparked == c->cap_parked) {
        size_t cap = c->cap_parked ? c->cap_parked * 2 : 16;
        hub_task **grown = realloc(c->parked, cap * sizeof *grown);
        if (!grown)
            return false; /* it runs: better than losing it */
        c->parked = grown;
        c->cap_parked = cap;
    }
    c->parked[c->nparked++] = t;
    return true;
}

size_t hub_results_waiting(const hub *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nblocked; i++)
        n += h->blocked[i]->results;
    return n;
}

void hub_clients_free(hub *h)
{
    for (size_t i = 0; i < h->clients.cap; i++) {
        hub_client *c = h->clients.vals[i];
        if (!c)
            continue;
        while (c->head) {
            hub_out *o = c->head;
            c->head = o->next;
            close_frames(o->body, o->nbody);
            free(o);
        }
        free(c->parked);
        free(c);
    }
    pp_idmap_free(&h->clients);
    free(h->blocked);
    h->blocked = NULL;
    h->nblocked = h->cap_blocked = 0;
}
