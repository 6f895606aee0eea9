/* tasks.c - the tasks the controller holds: a client's task taken in
 * (direct ones forwarded to their engine at once, balanced ones queued for
 * balance.c), an engine's result passed back to the client that asked, and
 * a task that failed reported, never dropped silently. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

size_t hub_client_rid(hub *h, const pp_frames *fr, uint8_t rid[RID_MAX])
{
    size_t len = zmq_msg_size(&fr->route[0]);
    if (len == 0 || len > RID_MAX) {
        pp_error e2 = { .msg = "a routing id longer than the controller "
                               "keeps" };
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
        return 0;
    }
    memcpy(rid, zmq_msg_data((zmq_msg_t *)&fr->route[0]), len);
    return len;
}

void hub_reply_error(hub *h, const uint8_t *rid, size_t rid_len,
                        const pp_header *req, int32_t engine, int code,
                        const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pp_error err;
    pp_frames fr;
    if (pp_msg_build_error(h->signer, req, engine, code, text, &fr, &err))
        pp_warn("could not send an error reply: %s", err.msg);
    else
        hub_client_send(h, rid, rid_len, &fr, false);
}

void hub_task_free(hub *h, hub_task *t)
{
    hub_client *c = hub_client_get(h, t->client, t->client_len, false);
    if (c && c->tasks) {
        c->tasks--;
        hub_client_release(h, c);
    }
    for (int i = 0; i < t->nbody; i++)
        zmq_msg_close(&t->body[i]);
    free(t->body);
    free(t->last_error);
    free(t);
}

/* Tells the client that asked that its task will never finish, and
 * forgets the task.  Nothing is dropped silently. */
void hub_end_task(hub *h, hub_task *t, int code, const char *why)
{
    pp_header req = {
        .type = PP_MSG_TASK,
        .kind = t->kind,
        .id = t->id,
        .t_submit = t->t_submit,
    };
    memcpy(req.name, t->name, sizeof req.name);
    pp_error err;
    pp_frames fr;
    if (pp_msg_build_error(h->signer, &req, t->engine, code, why, &fr, &err))
        pp_warn("could not report a failed task: %s", err.msg);
    else /* before the task is freed: it counts until it is sent */
        hub_client_send(h, t->client, t->client_len, &fr, true);
    uint8_t rid[RID_MAX];
    size_t rid_len = t->client_len;
    memcpy(rid, t->client, rid_len);
    pp_idmap_remove(&h->tasks, t->id);
    hub_task_free(h, t);
    /* The client's progress on the status page counts it too. */
    const hub_client *c = hub_client_get(h, rid, rid_len, false);
    hub_http_task_ended(h, hub_client_key(rid, rid_len), !c || c->tasks == 0);
}

void hub_fail_task(hub *h, hub_task *t, int code, const char *why)
{
    h->tasks_failed++;
    hub_end_task(h, t, code, why);
}

static hub_task *task_new(hub *h, pp_frames *fr, const pp_header *hd)
{
    zmq_msg_t *client = &fr->route[0];
    if (zmq_msg_size(client) > RID_MAX)
        return NULL;
    hub_task *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->id = hd->id;
    t->client_len = zmq_msg_size(client);
    memcpy(t->client, zmq_msg_data(client), t->client_len);
    t->engine = -1;
    t->follow = -1;
    t->kind = hd->kind;
    memcpy(t->name, hd->name, sizeof t->name);
    t->t_submit = hd->t_submit;
    t->queued_ns = pp_mono_ns();
    t->timeout_ms = hd->timeout_ms;
    if (t->timeout_ms > 0)
        h->timeouts_seen = true;
    t->retries_left = hd->retries > 0 ? hd->retries : 0;
    hub_client *c = hub_client_get(h, t->client, t->client_len, true);
    if (!c || pp_idmap_put(&h->tasks, t->id, t)) {
        hub_client_release(h, c);
        free(t);
        return NULL;
    }
    c->tasks++;
    return t;
}

/* Moves the body frames of fr into t, to wait in the queue. */
static int task_keep_body(hub_task *t, pp_frames *fr)
{
    t->body = malloc((size_t)fr->nbody * sizeof *t->body);
    if (!t->body)
        return PP_ENOMEM;
    for (int i = 0; i < fr->nbody; i++) {
        zmq_msg_init(&t->body[i]);
        zmq_msg_move(&t->body[i], &fr->body[i]);
    }
    t->nbody = fr->nbody;
    return 0;
}

void hub_task_submit(hub *h, pp_frames *fr, const pp_header *hd)
{
    /* A copy: forwarding the task closes fr's frames, and an error reply
     * after a failed send still needs to know whom to answer. */
    uint8_t client[RID_MAX];
    size_t client_len = zmq_msg_size(&fr->route[0]);
    if (client_len == 0 || client_len > RID_MAX) {
        pp_error e2 = { .msg = "a routing id longer than the controller keeps" };
        hub_count_drop(&h->drops.malformed, "from a client", &e2);
        return;
    }
    memcpy(client, zmq_msg_data(&fr->route[0]), client_len);
    if (pp_idmap_get(&h->tasks, hd->id)) {
        hub_reply_error(h, client, client_len, hd, -1, PP_EINVAL,
                    "task id %016llx is already in use",
                    (unsigned long long)hd->id);
        return;
    }
    /* The engine a refusal names: a follower's is the one it follows,
     * which has said nothing. */
    int32_t named = hd->flags & PP_TASK_FOLLOW ? -1 : hd->engine;
    /* Checked before it is multiplied into nanoseconds. */
    if (hd->timeout_ms < 0 || hd->timeout_ms > HUB_TIMEOUT_MAX_MS) {
        hub_reply_error(h, client, client_len, hd, named, PP_EINVAL,
                    "a task's start timeout must be 0 to %lld ms, not %lld",
                    (long long)HUB_TIMEOUT_MAX_MS, (long long)hd->timeout_ms);
        return;
    }
    if (hd->limit_ms < 0 || hd->limit_ms > HUB_TIMEOUT_MAX_MS) {
        hub_reply_error(h, client, client_len, hd, named, PP_EINVAL,
                    "a task's time limit must be 0 to %lld ms, not %lld",
                    (long long)HUB_TIMEOUT_MAX_MS, (long long)hd->limit_ms);
        return;
    }
    if (h->cfg->backlog > 0) {
        /* Looked up, not made: a refused task must leave nothing behind.
         * Results waiting for a client that does not read count too. */
        if (hub_client_load(h, client, client_len)
            >= (size_t)h->cfg->backlog) {
            h->drops.over_backlog++;
            hub_reply_error(h, client, client_len, hd, named, PP_EINVAL,
                        "the controller already holds %lld tasks of this "
                        "client (its --backlog); wait for results before "
                        "submitting more",
                        (long long)h->cfg->backlog);
            return;
        }
    }
    if (hd->flags & ~PP_TASK_FOLLOW) {
        hub_reply_error(h, client, client_len, hd, -1, PP_EINVAL,
                    "a task's flags 0x%x name no known flag",
                    (unsigned)hd->flags);
        return;
    }
    bool follow = hd->flags & PP_TASK_FOLLOW;
    /* A task naming an engine carries the run whose numbering the client
     * had (protocol.md, t_start): after a restart, engines register again
     * in any order and an id may name another engine, whose namespace
     * the task would change. */
    if ((hd->engine >= 0 || follow) && hd->t_start
        && hd->t_start != h->run_ns) {
        if (follow)
            hub_reply_error(h, client, client_len, hd, -1, PP_ENOENT,
                        "the task follows tasks that ran on engine %d as "
                        "numbered before the controller restarted: the id "
                        "may name another engine now",
                        hd->engine);
        else
            hub_reply_error(h, client, client_len, hd, -1, PP_ENOENT,
                        "the task names engine %d as numbered before the "
                        "controller restarted: the id may name another "
                        "engine now (make the view again)",
                        hd->engine);
        return;
    }
    if (follow && !hub_engine_by_id(h, hd->engine)) {
        /* The controller's word, not the engine's: no "engine N: ". */
        hub_reply_error(h, client, client_len, hd, -1, PP_ENOENT,
                    "the task follows tasks that ran on engine %d, which "
                    "is gone",
                    hd->engine);
        return;
    }
    if (hd->engine < 0 || follow) {
        hub_task *t = task_new(h, fr, hd);
        if (t) {
            t->balanced = true;
            t->follow = follow ? hd->engine : -1;
            if (task_keep_body(t, fr) == 0
                && hub_enqueue(h, t, false) == 0) {
                hub_dispatch(h);
                return;
            }
            pp_idmap_remove(&h->tasks, t->id);
            hub_task_free(h, t);
        }
        hub_reply_error(h, client, client_len, hd, -1, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    hub_engine *e = hub_engine_by_id(h, hd->engine);
    if (!e) {
        hub_reply_error(h, client, client_len, hd, hd->engine, PP_ENOENT,
                    "no engine %d is registered", hd->engine);
        return;
    }
    hub_task *t = task_new(h, fr, hd);
    if (!t) {
        hub_reply_error(h, client, client_len, hd, e->id, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    t->engine = e->id;
    pp_error err;
    if (pp_seal_renew(fr->body, fr->nbody, h->signer, &err)) {
        pp_idmap_remove(&h->tasks, t->id);
        hub_task_free(h, t);
        hub_reply_error(h, client, client_len, hd, e->id, PP_EPROTO,
                    "the controller could not seal the task: %s", err.msg);
        return;
    }
    /* Behind the tasks already waiting for an engine not connected. */
    int rc = e->unreachable_ns
                 ? HUB_UNREACHABLE
                 : hub_engine_send(h, e, fr->body, fr->nbody, false);
    if (rc == HUB_UNREACHABLE) {
        /* ZMQ_ROUTER_MANDATORY: its connection dropped and the next one
         * is not there yet; the engine still beats.  The task waits for
         * it (reach.c). */
        if (task_keep_body(t, fr)) {
            pp_idmap_remove(&h->tasks, t->id);
            hub_task_free(h, t);
            hub_reply_error(h, client, client_len, hd, e->id, PP_ENOMEM,
                        "the controller could not take the task");
            return;
        }
        hub_engine_hold(h, e, t);
        return;
    }
    fr->nbody = 0; /* sent, or closed */
    if (rc) {
        pp_idmap_remove(&h->tasks, t->id);
        hub_task_free(h, t);
        hub_reply_error(h, client, client_len, hd, e->id, PP_EZMQ,
                    "the controller could not send the task");
        return;
    }
    t->sent_seq = ++h->sent_seq;
    e->outstanding++;
}

/* A result's header names the engine as the engine knew itself.  Just
 * after it registered again under a new id (its heart thread did, after
 * the controller gave it up), it may answer a task sent to the new id
 * before it has read that id: the controller's own record is the one the
 * client gets (a follower of the task must go where it ran).  It gets this
 * run too, in timeout_ms (protocol.md): a client that has heard nothing
 * else from a restarted controller yet knows which numbering the engine id
 * is in.  The seal, renewed after this, covers the new header. */
static void name_engine(pp_frames *fr, const pp_header *hd, int32_t id,
                        int64_t run)
{
    pp_header fixed = *hd;
    fixed.engine = id;
    fixed.timeout_ms = run;
    zmq_msg_t *frame = &fr->body[2];
    /* A frame received is this process's alone: written in place, as
     * every result passes here (no allocation per result). */
    if (zmq_msg_size(frame) == PP_HEADER_SIZE
        && !zmq_msg_get(frame, ZMQ_SHARED)) {
        pp_header_encode(&fixed, zmq_msg_data(frame));
        return;
    }
    zmq_msg_t m;
    if (zmq_msg_init_size(&m, PP_HEADER_SIZE))
        return;
    pp_header_encode(&fixed, zmq_msg_data(&m));
    zmq_msg_move(frame, &m); /* releases the old header */
    zmq_msg_close(&m);
}

void hub_task_result(hub *h, hub_engine *e, pp_frames *fr,
                      const pp_header *hd)
{
    hub_task *t = pp_idmap_get(&h->tasks, hd->parent);
    /* Not one held for it (never sent: reach.c) either. */
    if (!t || t->engine != e->id || !t->sent_seq) {
        pp_debug("result for unknown task %016llx from engine %d",
                 (unsigned long long)hd->parent, e->id);
        return;
    }
    e->outstanding--;
    if (t->balanced)
        e->balanced_outstanding--;
    e->last_done_ns = pp_mono_ns();
    /* Skipped by its engine, or failed after its client aborted it: the
     * client wants it no more, nowhere. */
    bool skipped = hd->status == PP_EABORTED && t->abort_sent;
    if (hd->status && t->balanced && t->retries_left > 0
        && !t->abort_sent) {
        char *text = NULL;
        if (hd->nvalues >= 1 && hd->types[0] == PP_T_STR) {
            size_t n = zmq_msg_size(&fr->body[3]);
            text = malloc(n + 16);
            if (text)
                snprintf(text, n + 16, "engine %d: %.*s", e->id, (int)n,
                         (const char *)zmq_msg_data(&fr->body[3]));
        }
        free(t->last_error);
        t->last_error = text;
        if (hub_retry(h, t, e->id)) {
            hub_dispatch(h);
            return;
        }
    }
    pp_idmap_remove(&h->tasks, t->id);
    if (skipped) {
        h->tasks_aborted++; /* not done: it never ran */
    } else {
        e->tasks_done++;
        h->tasks_done++;
    }
    pp_error err;
    name_engine(fr, hd, e->id, h->run_ns);
    if (pp_seal_renew(fr->body, fr->nbody, h->signer, &err))
        pp_warn("could not pass a result to its client: %s", err.msg);
    else /* before the task is freed: it counts until it is sent */
        hub_client_send(h, t->client, t->client_len, fr, true);
    hub_task_free(h, t);
    hub_dispatch(h);
}
