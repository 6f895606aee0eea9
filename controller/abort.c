/* abort.c - a client's ABORT: its tasks that have not gone to an engine
 * yet are taken out (queued, parked behind a full outbox, waiting again for
 * a retry, direct ones held for an engine not connected) and fail with
 * PP_EABORTED; those an engine has are counted as running, and each such
 * engine is sent an ABORT naming them: one that waits there behind
 * another (--hwm above 1, or a direct view's several) is skipped and
 * comes back PP_EABORTED, the running one finishes; neither runs again
 * elsewhere.  Only the client's own tasks: an id of another
 * client's task counts as not found, like an id nobody knows, so an abort
 * tells nobody anything about others' tasks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

#define ABORTED_TEXT "aborted before it ran"

typedef struct abort_counts {
    int64_t aborted, running, unknown;
    size_t marked, nat;
    hub_task **at_engine; /* the running ones, for their engines' ABORT */
} abort_counts;

static bool owned_by(const hub_task *t, const uint8_t *rid, size_t len)
{
    return t->client_len == len && memcmp(t->client, rid, len) == 0;
}

/* Counts task t (NULL: not found) and marks it when it is still here. */
static void consider(hub_task *t, const uint8_t *rid, size_t len,
                     uint64_t req, abort_counts *n)
{
    if (!t || !owned_by(t, rid, len) || t->aborting
        || t->abort_req == req) {
        n->unknown++; /* unknown, another's, or named twice */
        return;
    }
    t->abort_req = req;
    if (t->engine >= 0 && t->sent_seq) {
        /* Its engine is told once, by the first abort that names it. */
        if (!t->abort_sent)
            n->at_engine[n->nat++] = t;
        n->running++;
        t->abort_sent = true;
    } else {
        t->aborting = true;
        n->marked++;
    }
}

/* Sends engine e an ABORT naming ids[0..n): those of its tasks that wait
 * there are skipped.  Not connected now, it is not told here; its next
 * connection asks for a barrier, and hub_abort_tell_again tells it then. */
static void send_abort(hub *h, hub_engine *e, const int64_t *ids, size_t n)
{
    pp_header hd = { .type = PP_MSG_ABORT, .id = pp_msg_id_next(),
                     .engine = e->id };
    pp_value v;
    pp_frames fr;
    pp_error err;
    if (pp_value_i64(&v, ids, n))
        return;
    if (pp_msg_build(h->signer, &hd, &v, 1, &fr, &err))
        pp_warn("could not build an abort for engine %d: %s", e->id,
                err.msg);
    else {
        if (hub_engine_send(h, e, fr.body, fr.nbody, false))
            pp_info("engine %d could not be told of an abort now; it "
                    "will be when it is connected again", e->id);
        pp_frames_close(&fr);
    }
    pp_value_free(&v);
}

/* Tells each engine of tasks[0..n) (NULL: one told before) to skip them
 * if they have not started: an ABORT with their ids, one i64 array. */
static void tell_engines(hub *h, hub_task **tasks, size_t n)
{
    int64_t *ids = malloc(n * sizeof *ids + 1);
    if (!ids)
        return;
    for (size_t i = 0; i < n; i++) {
        if (!tasks[i])
            continue;
        int32_t engine = tasks[i]->engine;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            if (tasks[j] && tasks[j]->engine == engine) {
                ids[k++] = (int64_t)tasks[j]->id;
                if (j > i)
                    tasks[j] = NULL;
            }
        hub_engine *e = hub_engine_by_id(h, engine);
        if (e)
            send_abort(h, e, ids, k);
    }
    free(ids);
}

void hub_abort_tell_again(hub *h, hub_engine *e)
{
    size_t n = 0;
    int64_t *ids = malloc((size_t)e->outstanding * sizeof *ids + 1);
    for (size_t i = 0; ids && i < h->tasks.cap; i++) {
        hub_task *t = h->tasks.vals[i];
        if (t && t->engine == e->id && t->sent_seq && t->abort_sent
            && n < (size_t)e->outstanding)
            ids[n++] = (int64_t)t->id;
    }
    if (n)
        send_abort(h, e, ids, n);
    free(ids);
}

/* Takes the marked tasks out of the lists of direct tasks held for
 * engines not connected (reach.c), the others keeping their order. */
static size_t unhold_aborting(hub *h, hub_task **out, size_t max)
{
    size_t n = 0;
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        size_t kept = 0;
        for (size_t k = 0; k < e->nheld; k++) {
            hub_task *t = e->held[k];
            if (t->aborting && n < max) {
                t->engine = -1; /* it never reached one */
                out[n++] = t;
            } else {
                e->held[kept++] = t;
            }
        }
        e->nheld = kept;
    }
    return n;
}

/* Takes the marked tasks out of the client's parked list, in order. */
static size_t unpark_aborting(hub *h, const uint8_t *rid, size_t len,
                              hub_task **out, size_t max)
{
    hub_client *c = hub_client_get(h, rid, len, false);
    size_t n = 0, kept = 0;
    for (size_t i = 0; c && i < c->nparked; i++) {
        hub_task *t = c->parked[i];
        if (t->aborting && n < max)
            out[n++] = t;
        else
            c->parked[kept++] = t;
    }
    if (c)
        c->nparked = kept;
    return n;
}

void hub_task_abort(hub *h, pp_frames *fr, const pp_header *hd,
                    pp_header *rep)
{
    uint8_t rid[RID_MAX];
    size_t len = hub_client_rid(h, fr, rid);
    if (!len)
        return;
    if (hd->nvalues > 1
        || (hd->nvalues == 1
            && (hd->types[0] != PP_T_I64
                || zmq_msg_size(&fr->body[3]) % sizeof(uint64_t)))) {
        hub_reply_error(h, rid, len, hd, -1, PP_EINVAL, "%s",
               "an abort names its tasks in one i64 array of task ids "
               "(or none, for all of the client's)");
        return;
    }
    size_t nids = 0;
    const uint8_t *ids = NULL;
    if (hd->nvalues == 1) {
        nids = zmq_msg_size(&fr->body[3]) / sizeof(uint64_t);
        ids = zmq_msg_data(&fr->body[3]);
    }
    /* Room for every task that could be marked, before any is. */
    size_t room = hd->nvalues ? (nids < h->tasks.n ? nids : h->tasks.n)
                              : h->tasks.n;
    hub_task **out = malloc(room * sizeof *out + 1);
    hub_task **at_engine = calloc(room + 1, sizeof *at_engine);
    if (!out || !at_engine) {
        free(out);
        free(at_engine);
        hub_reply_error(h, rid, len, hd, -1, PP_EINVAL, "%s",
                        "the controller has no memory for the "
                                "abort");
        return;
    }
    abort_counts n = { .at_engine = at_engine };
    if (hd->nvalues) {
        for (size_t i = 0; i < nids; i++) {
            uint64_t id;
            /* Unaligned; little-endian, as every value (docs/protocol.md) */
            memcpy(&id, ids + i * sizeof id, sizeof id);
            consider(pp_idmap_get(&h->tasks, id), rid, len, hd->id, &n);
        }
    } else {
        for (size_t i = 0; i < h->tasks.cap; i++) {
            hub_task *t = h->tasks.vals[i];
            if (t && owned_by(t, rid, len))
                consider(t, rid, len, hd->id, &n);
        }
        n.unknown = 0; /* all of its own: none named, none unknown */
    }
    size_t taken = 0;
    if (n.marked) {
        taken = hub_unqueue_aborting(h, hub_client_key(rid, len), out,
                                     n.marked);
        taken += unpark_aborting(h, rid, len, out + taken, n.marked - taken);
        taken += unhold_aborting(h, out + taken, n.marked - taken);
    }
    if (taken < n.marked) {
        /* Not where a task without an engine waits: leave it be (it
         * still ends with a result) and count it as running. */
        pp_warn("%zu task%s to abort %s not queued; left to run",
                n.marked - taken, n.marked - taken == 1 ? "" : "s",
                n.marked - taken == 1 ? "was" : "were");
        for (size_t i = 0; i < h->tasks.cap; i++) {
            hub_task *t = h->tasks.vals[i];
            if (t && t->aborting)
                t->aborting = false;
        }
        for (size_t i = 0; i < taken; i++)
            out[i]->aborting = true;
        n.running += (int64_t)(n.marked - taken);
    }
    /* The failures go first: the client has them all by the reply. */
    for (size_t i = 0; i < taken; i++)
        hub_end_task(h, out[i], PP_EABORTED, ABORTED_TEXT);
    free(out);
    tell_engines(h, at_engine, n.nat);
    free(at_engine);
    n.aborted = (int64_t)taken;
    h->tasks_aborted += taken;
    if (taken)
        pp_info("a client aborted %zu task%s (%lld already at an engine)",
                taken, taken == 1 ? "" : "s", (long long)n.running);
    int64_t counts[3] = { n.aborted, n.running, n.unknown };
    pp_value v;
    if (pp_value_i64(&v, counts, 3) == 0)
        hub_client_reply(h, rid, len, rep, &v, 1);
}
