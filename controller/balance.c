/* balance.c - the balanced queues: tasks wait here until an engine has
 * room (below the high-water mark), then the policy picks one.  Each
 * client has a queue of its own, and the clients with tasks queued are
 * served in turn (round robin, one task each), so a student's
 * 100,000-task map does not make another's 10-task map wait behind it;
 * within a client's queue the order is first come, first served.  Failed
 * tasks with retries left come back to the front of their client's
 * queue, barred from the engines they failed on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

/* How far past a blocked head the dispatcher looks for a task that can
 * run on a free engine (a retry barred from the only free engine). */
#define SCAN_LIMIT 64

static int queue_push(hub_queue *q, hub_task *t, bool front)
{
    if (q->len == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 1024;
        hub_task **slots = malloc(cap * sizeof *slots);
        if (!slots)
            return PP_ENOMEM;
        for (size_t i = 0; i < q->len; i++)
            slots[i] = q->slots[(q->head + i) & (q->cap - 1)];
        free(q->slots);
        q->slots = slots;
        q->cap = cap;
        q->head = 0;
    }
    if (front) {
        q->head = (q->head + q->cap - 1) & (q->cap - 1);
        q->slots[q->head] = t;
    } else {
        q->slots[(q->head + q->len) & (q->cap - 1)] = t;
    }
    q->len++;
    q->live++;
    return 0;
}

static hub_task **queue_at(hub_queue *q, size_t i)
{
    return &q->slots[(q->head + i) & (q->cap - 1)];
}

/* Drops the NULL slots at the head. */
static void queue_trim(hub_queue *q)
{
    while (q->len && !*queue_at(q, 0)) {
        q->head = (q->head + 1) & (q->cap - 1);
        q->len--;
    }
    if (!q->live) {
        q->len = 0;
        q->head = 0;
    }
}

int hub_enqueue(hub *h, hub_task *t, bool front)
{
    uint64_t key = hub_client_key(t->client, t->client_len);
    hub_fairq *f = pp_idmap_get(&h->fairqs, key);
    if (!f) {
        if (h->nring == h->cap_ring) {
            size_t cap = h->cap_ring ? h->cap_ring * 2 : 16;
            hub_fairq **grown = realloc(h->ring, cap * sizeof *grown);
            if (!grown)
                return PP_ENOMEM;
            h->ring = grown;
            h->cap_ring = cap;
        }
        f = calloc(1, sizeof *f);
        if (!f || pp_idmap_put(&h->fairqs, key, f)) {
            free(f);
            return PP_ENOMEM;
        }
        f->key = key;
        /* A newcomer is served last in the current round. */
        memmove(&h->ring[h->ring_next + 1], &h->ring[h->ring_next],
                (h->nring - h->ring_next) * sizeof *h->ring);
        h->ring[h->ring_next++] = f;
        h->nring++;
        if (h->ring_next == h->nring)
            h->ring_next = 0;
    }
    if (queue_push(&f->q, t, front))
        return PP_ENOMEM;
    h->queued++;
    return 0;
}

/* Takes an emptied queue out of the ring; the one after it is next. */
static void fairq_drop(hub *h, size_t i)
{
    hub_fairq *f = h->ring[i];
    pp_idmap_remove(&h->fairqs, f->key);
    free(f->q.slots);
    free(f);
    memmove(&h->ring[i], &h->ring[i + 1], (h->nring - i - 1) * sizeof *h->ring);
    h->nring--;
    if (i < h->ring_next)
        h->ring_next--;
    if (h->ring_next >= h->nring)
        h->ring_next = 0;
}

void hub_queues_free(hub *h)
{
    for (size_t i = 0; i < h->nring; i++) {
        free(h->ring[i]->q.slots);
        free(h->ring[i]);
    }
    free(h->ring);
    pp_idmap_free(&h->fairqs);
    h->ring = NULL;
    h->nring = h->cap_ring = h->ring_next = h->queued = 0;
}

static bool excluded(const hub_task *t, int32_t id)
{
    for (int i = 0; i < t->nexcluded; i++)
        if (t->excluded[i] == id)
            return true;
    return false;
}

static bool has_room(const hub *h, const hub_engine *e)
{
    return e->alive && !e->unreachable_ns
        && (h->cfg->hwm == 0 || e->balanced_outstanding < h->cfg->hwm);
}

/* Sends t to e, keeping its frames (the copies share the bytes) so that it
 * can be handed back or retried if e leaves or fails it. */
static int send_task(hub *h, hub_task *t, hub_engine *e)
{
    pp_error err;
    /* A fresh stamp for each dispatch: a retry is a new message to the
     * engine that gets it, not a replay. */
    if (pp_seal_renew(t->body, t->nbody, h->signer, &err))
        return PP_EPROTO;
    return hub_engine_send(h, e, t->body, t->nbody, true);
}

/* Whether t may go to engine id: not one it failed on, and the one it
 * follows if it follows one. */
static bool allowed(const hub_task *t, int32_t id)
{
    return (t->follow < 0 || t->follow == id) && !excluded(t, id);
}

/* True when every alive engine is barred for t: it can never run. */
static bool nowhere_to_run(const hub *h, const hub_task *t)
{
    if (t->follow >= 0)
        return t->follow >= h->nengines || !h->engines[t->follow].alive
               || excluded(t, t->follow);
    for (int32_t i = 0; i < h->nengines; i++)
        if (h->engines[i].alive && !excluded(t, h->engines[i].id))
            return false;
    return true;
}

static void fail_unrunnable(hub *h, hub_task *t)
{
    char why[400];
    if (t->follow >= 0) {
        /* Nowhere else to go: the engine is where its data is. */
        snprintf(why, sizeof why,
                 "the task follows tasks that ran on engine %d, which %s",
                 t->follow,
                 t->follow < h->nengines && h->engines[t->follow].alive
                     ? "failed it"
                     : "is gone");
        if (t->last_error)
            snprintf(why + strlen(why), sizeof why - strlen(why),
                     " (last error: %.200s)", t->last_error);
        hub_fail_task(h, t, PP_EREMOTE, why);
        return;
    }
    int n = snprintf(why, sizeof why, "the task failed on engine%s",
                     t->nexcluded > 1 ? "s" : "");
    for (int k = 0; k < t->nexcluded && n < 150; k++)
        n += snprintf(why + n, sizeof why - (size_t)n, "%s %d", k ? "," : "",
                      t->excluded[k]);
    n += snprintf(why + n, sizeof why - (size_t)n,
                  " and no other engine is left to retry it");
    if (t->last_error)
        snprintf(why + n, sizeof why - (size_t)n, " (last error: %.*s)",
                 (int)(sizeof why > (size_t)n + 20 ? sizeof why - (size_t)n - 20
                                                    : 0),
                 t->last_error);
    hub_fail_task(h, t, PP_EREMOTE, why);
}

/* Takes the first task of queue q that some free engine may run, with
 * those engines in cands; parks the tasks of a client that does not read
 * and fails those that can run nowhere, as it goes.  NULL if none. */
static hub_task *take_runnable(hub *h, hub_queue *q,
                               const sched_engine *free_list, size_t nfree,
                               sched_engine *cands, size_t *ncands)
{
    hub_task *t = NULL;
    for (size_t i = 0, seen = 0; i < q->len && seen < SCAN_LIMIT; i++) {
        hub_task *c = *queue_at(q, i);
        /* A task whose client has results it does not read waits
         * aside until they are read (outbox.c), and costs no scan. */
        if (c && hub_client_park(h, c)) {
            *queue_at(q, i) = NULL;
            q->live--;
            h->queued--;
            continue;
        }
        if (!c) {
            seen++;
            continue;
        }
        if ((c->nexcluded || c->follow >= 0) && nowhere_to_run(h, c)) {
            *queue_at(q, i) = NULL;
            q->live--;
            h->queued--;
            fail_unrunnable(h, c);
            continue;
        }
        *ncands = 0;
        for (size_t k = 0; k < nfree; k++)
            if (allowed(c, free_list[k].id))
                cands[(*ncands)++] = free_list[k];
        if (*ncands) {
            t = c;
            *queue_at(q, i) = NULL;
            q->live--;
            h->queued--;
            break;
        }
        /* A follower waiting for its one engine costs no scan: a queue
         * may hold many, and a task behind them that any free engine
         * can run must not wait for them (the price: a walk past them
         * at each dispatch). */
        if (c->follow < 0)
            seen++;
    }
    queue_trim(q);
    return t;
}

void hub_dispatch(hub *h)
{
    sched_engine free_list[256], cands[256];
    while (h->queued) {
        size_t nfree = 0;
        for (int32_t i = 0; i < h->nengines && nfree < 256; i++) {
            hub_engine *e = &h->engines[i];
            if (has_room(h, e))
                free_list[nfree++] = (sched_engine){
                    .id = e->id, .load = e->outstanding,
                    .last_used = e->last_done_ns };
        }
        if (!nfree)
            return;
        /* One task from each client in turn: the first of the next
         * client's queue that a free engine may run. */
        hub_task *t = NULL;
        size_t ncands = 0;
        for (size_t visits = h->nring; !t && visits && h->nring; visits--) {
            size_t i = h->ring_next;
            t = take_runnable(h, &h->ring[i]->q, free_list, nfree, cands,
                              &ncands);
            if (!h->ring[i]->q.live)
                fairq_drop(h, i);
            else
                h->ring_next = i + 1 < h->nring ? i + 1 : 0;
        }
        if (!t)
            return;
        size_t pick = h->policy->choose(cands, ncands, &h->rng);
        hub_engine *e = &h->engines[cands[pick].id];
        int rc = send_task(h, t, e);
        if (rc) {
            /* The task never left (or did not leave whole): it goes back
             * to the queue, no retry used.  An engine not connected at
             * this instant is given nothing more until it is (reach.c). */
            if (!hub_hand_back(h, t))
                hub_fail_task(h, t, PP_EZMQ,
                              "the controller could not send the task");
            if (rc == HUB_UNREACHABLE)
                hub_engine_unreachable(h, e);
            else
                hub_engine_gone(h, e, "could not be sent a task", false);
            continue;
        }
        t->engine = e->id;
        t->sent_seq = ++h->sent_seq;
        e->outstanding++;
        e->balanced_outstanding++;
    }
}

bool hub_retry(hub *h, hub_task *t, int32_t engine)
{
    if (!t->balanced || t->retries_left <= 0 || !t->body)
        return false;
    t->retries_left--;
    if (t->nexcluded < HUB_MAX_EXCLUDED)
        t->excluded[t->nexcluded++] = engine;
    t->engine = -1;
    /* A start timeout counts from when the task waits again. */
    t->queued_ns = pp_mono_ns();
    if (hub_enqueue(h, t, true))
        return false;
    if (t->timeout_ms > 0)
        h->timeouts_seen = true;
    h->tasks_retried++;
    pp_debug("task %016llx queued again after engine %d, %d retries left",
             (unsigned long long)t->id, engine, t->retries_left);
    return true;
}

bool hub_hand_back(hub *h, hub_task *t)
{
    if (!t->balanced || !t->body)
        return false;
    t->engine = -1;
    t->queued_ns = pp_mono_ns();
    if (hub_enqueue(h, t, true))
        return false;
    if (t->timeout_ms > 0)
        h->timeouts_seen = true;
    return true;
}

void hub_expire_queued(hub *h, int64_t now)
{
    bool waiting = false; /* a task with a timeout stays queued */
    for (size_t r = 0; r < h->nring;) {
        hub_queue *q = &h->ring[r]->q;
        for (size_t i = 0; i < q->len; i++) {
            hub_task *t = *queue_at(q, i);
            if (!t || t->timeout_ms <= 0)
                continue;
            if (now - t->queued_ns < t->timeout_ms * 1000000) {
                waiting = true;
                continue;
            }
            *queue_at(q, i) = NULL;
            q->live--;
            h->queued--;
            char why[160];
            snprintf(why, sizeof why,
                     "the task waited %.3f s without an engine to start it "
                     "(timeout %.3f s)",
                     (double)(now - t->queued_ns) / 1e9,
                     (double)t->timeout_ms / 1e3);
            hub_fail_task(h, t, PP_ETIMEDOUT, why);
        }
        queue_trim(q);
        if (!q->live)
            fairq_drop(h, r);
        else
            r++;
    }
    /* Until a task with a timeout is queued again, the tick skips this. */
    h->timeouts_seen = waiting;
}

void hub_fail_follower(hub *h, hub_task *t)
{
    fail_unrunnable(h, t);
}

void hub_fail_followers(hub *h, int32_t id)
{
    for (size_t r = 0; r < h->nring;) {
        hub_fairq *f = h->ring[r];
        hub_queue *q = &f->q;
        for (size_t i = 0; i < q->len; i++) {
            hub_task *t = *queue_at(q, i);
            if (!t || t->follow != id)
                continue;
            *queue_at(q, i) = NULL;
            q->live--;
            h->queued--;
            fail_unrunnable(h, t);
        }
        queue_trim(q);
        if (!q->live)
            fairq_drop(h, r);
        else
            r++;
    }
}

size_t hub_unqueue_aborting(hub *h, uint64_t key, hub_task **out,
                            size_t max)
{
    hub_fairq *f = pp_idmap_get(&h->fairqs, key);
    if (!f)
        return 0;
    hub_queue *q = &f->q;
    size_t n = 0;
    for (size_t i = 0; i < q->len && n < max; i++) {
        hub_task *t = *queue_at(q, i);
        if (!t || !t->aborting)
            continue;
        *queue_at(q, i) = NULL;
        q->live--;
        h->queued--;
        out[n++] = t;
    }
    queue_trim(q);
    if (!q->live)
        for (size_t r = 0; r < h->nring; r++)
            if (h->ring[r] == f) {
                fairq_drop(h, r);
                break;
            }
    return n;
}
