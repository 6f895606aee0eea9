/* engines.c - the engines the controller knows: registration (and
 * registration again in place), heartbeats, leaving, and death, whether
 * by a heart that stopped or a connection that is gone; the controller's
 * own stalls, which are not held against them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

hub_engine *hub_engine_by_id(hub *h, int32_t id)
{
    if (id < 0 || id >= h->nengines || !h->engines[id].alive)
        return NULL;
    return &h->engines[id];
}

hub_engine *hub_engine_by_rid(hub *h, const void *rid, size_t len)
{
    for (int32_t i = 0; i < h->nengines; i++)
        if (h->engines[i].alive && h->engines[i].rid_len == len
            && memcmp(h->engines[i].rid, rid, len) == 0)
            return &h->engines[i];
    return NULL;
}

static hub_engine *engine_by_rid_any(hub *h, const void *rid, size_t len)
{
    hub_engine *found = NULL;
    for (int32_t i = 0; i < h->nengines; i++)
        if (h->engines[i].rid_len == len
            && memcmp(h->engines[i].rid, rid, len) == 0)
            found = &h->engines[i]; /* the newest entry of that id */
    return found;
}

/* The tasks engine e holds that were sent to it at send number max_seq or
 * before (not those held for it, never sent: reach.c), collected first, since failing or requeueing a task edits the
 * map being walked.  The caller frees the array; NULL (n 0) when out of
 * memory. */
static hub_task **tasks_of(hub *h, const hub_engine *e, uint64_t max_seq,
                           size_t *n)
{
    *n = 0;
    hub_task **out = malloc(h->tasks.n * sizeof *out + 1);
    for (size_t i = 0; out && i < h->tasks.cap; i++) {
        hub_task *t = h->tasks.vals[i];
        if (t && t->engine == e->id && t->sent_seq
            && t->sent_seq <= max_seq)
            out[(*n)++] = t;
    }
    return out;
}

void hub_engine_gone(hub *h, hub_engine *e, const char *how, bool clean)
{
    e->alive = false;
    pp_info("engine %d %s (%d task%s outstanding)%s", e->id, how,
            e->outstanding, e->outstanding == 1 ? "" : "s",
            e->nheld ? "; direct tasks held for it fail" : "");
    hub_publish(h, "engine_gone", e->id, how);
    if (e->outstanding > 0) {
        size_t n;
        hub_task **lost = tasks_of(h, e, UINT64_MAX, &n);
        /* The client puts "engine N: " in front of this. */
        char why[160];
        snprintf(why, sizeof why, "%s before finishing the task", how);
        for (size_t i = 0; i < n; i++) {
            free(lost[i]->last_error);
            lost[i]->last_error = strdup(why);
            if (lost[i]->abort_sent) {
                /* Its client aborted it: not run again elsewhere. */
                char gone[200];
                snprintf(gone, sizeof gone,
                         "aborted (engine %d %s before it finished)", e->id,
                         how);
                h->tasks_aborted++;
                hub_end_task(h, lost[i], PP_EABORTED, gone);
            } else if (clean ? !hub_hand_back(h, lost[i])
                             : !hub_retry(h, lost[i], e->id)) {
                hub_fail_task(h, lost[i], PP_EREMOTE, why);
            }
        }
        free(lost);
    }
    hub_engine_drop_held(h, e, how);
    e->outstanding = 0;
    e->balanced_outstanding = 0;
    /* Tasks that may run on it alone fail now, not when an engine is
     * next free. */
    hub_fail_followers(h, e->id);
    hub_dispatch(h);
}

/* A supervisor's report that its worker was killed by a signal: values
 * bytes (the worker's routing id), i64[4] (engine, signal, task id or 0,
 * new engine or -1), str (the words after "engine N: "). */
void hub_engine_died(hub *h, pp_frames *fr, const pp_header *hd)
{
    int64_t nums[4];
    if (hd->nvalues < 3 || hd->types[0] != PP_T_BYTES
        || hd->types[1] != PP_T_I64 || hd->types[2] != PP_T_STR
        || zmq_msg_size(&fr->body[4]) != sizeof nums) {
        pp_error e2 = { .msg = "a DIED report without its values" };
        hub_count_drop(&h->drops.malformed, "from an engine", &e2);
        return;
    }
    memcpy(nums, zmq_msg_data(&fr->body[4]), sizeof nums);
    /* Only the engine's own routing id (random, never sent to clients)
     * may declare it dead. */
    hub_engine *e = nums[0] >= 0 && nums[0] < h->nengines
                        ? &h->engines[nums[0]]
                        : NULL;
    if (!e || zmq_msg_size(&fr->body[3]) != e->rid_len
        || memcmp(zmq_msg_data(&fr->body[3]), e->rid, e->rid_len) != 0) {
        pp_error e2 = { .msg = "a DIED report for an engine it does not "
                               "name" };
        hub_count_drop(&h->drops.unknown_sender, "from an engine", &e2);
        return;
    }
    char how[320];
    size_t len = zmq_msg_size(&fr->body[5]);
    snprintf(how, sizeof how, "%.*s", (int)(len < 300 ? len : 300),
             (const char *)zmq_msg_data(&fr->body[5]));
    uint64_t task_id = (uint64_t)nums[2];
    hub_task *t = task_id ? pp_idmap_get(&h->tasks, task_id) : NULL;
    if (t) {
        char *text = malloc(strlen(how) + 32);
        if (text)
            sprintf(text, "engine %d: %s", e->id, how);
        free(t->last_error);
        t->last_error = text;
    }
    if (e->alive) {
        if (t && t->engine == e->id && t->sent_seq) {
            /* The task that killed it: retried (barred from this engine)
             * or failed with the supervisor's words; the engine's other
             * tasks never started and are handed back below. */
            e->outstanding--;
            if (t->balanced)
                e->balanced_outstanding--;
            if (t->abort_sent) {
                char gone[400];
                snprintf(gone, sizeof gone, "aborted (engine %d %s)", e->id,
                         how);
                h->tasks_aborted++;
                hub_end_task(h, t, PP_EABORTED, gone);
            } else if (!hub_retry(h, t, e->id))
                hub_fail_task(h, t, PP_EREMOTE, how);
        }
        hub_engine_gone(h, e, how, true);
    } else {
        /* Already declared dead (its heart stopped first): the task was
         * retried or failed then; a later failure now names the signal. */
        pp_info("engine %d %s", e->id, how);
    }
    pp_header rep = {
        .type = PP_MSG_DIED,
        .id = pp_msg_id_next(),
        .parent = hd->id,
        .engine = e->id,
    };
    pp_error err;
    zmq_msg_t *route = &fr->route[0];
    pp_msg_send(h->engines_sock, h->signer, zmq_msg_data(route),
                zmq_msg_size(route), &rep, NULL, 0, &err);
}

/* The reply tells the engine its id and how to beat its heart. */
static void send_registered(hub *h, zmq_msg_t *route, const pp_header *req,
                            const hub_engine *e)
{
    pp_header rep = {
        .type = PP_MSG_REGISTERED,
        .id = pp_msg_id_next(),
        .parent = req->id,
        .engine = e->id,
        .timeout_ms = (int64_t)(h->cfg->heartbeat_s * 1000),
        .retries = h->cfg->heartbeat_misses,
    };
    pp_error err;
    if (pp_msg_send(h->engines_sock, h->signer, zmq_msg_data(route),
                    zmq_msg_size(route), &rep, NULL, 0, &err))
        pp_warn("could not answer engine %d: %s", e->id, err.msg);
}

/* REGISTER comes from the engine's main socket, or from its heart thread
 * on the main socket's behalf (a third value: the main socket's routing
 * id), so that a busy engine comes back to a restarted controller. */
void hub_engine_register(hub *h, pp_frames *fr, const pp_header *req)
{
    zmq_msg_t *route = &fr->route[0];
    zmq_msg_t *rid = route;
    if (req->nvalues >= 3 && req->types[2] == PP_T_BYTES)
        rid = &fr->body[5];
    size_t rid_len = zmq_msg_size(rid);
    if (rid_len == 0 || rid_len > RID_MAX)
        return;
    int64_t pid_attempt[2] = { 0, 0 };
    if (req->nvalues >= 2 && req->types[1] == PP_T_I64
        && zmq_msg_size(&fr->body[4]) <= sizeof pid_attempt)
        memcpy(pid_attempt, zmq_msg_data(&fr->body[4]),
               zmq_msg_size(&fr->body[4]));
    /* Dead entries too: an engine that unregistered must not come back
     * by a REGISTER its heart thread sent just before. */
    hub_engine *old = engine_by_rid_any(h, zmq_msg_data(rid), rid_len);
    /* A REGISTER that waited in a connection the engine has since given
     * up on is older than the one it was answered for: ignore it, or the
     * engine would lose the id it is using. */
    if (old && pid_attempt[1] > 0 && pid_attempt[1] <= old->attempt) {
        pp_debug("ignored an old registration of engine %d", old->id);
        return;
    }
    if (old && old->alive) {
        /* The same process, alive, lost its heartbeat replies for a while
         * and registers again: it keeps its id and the tasks it holds,
         * whose results are still to come (run elsewhere, a balanced one
         * would run twice). */
        old->attempt = pid_attempt[1];
        old->last_beat_ns = pp_mono_ns();
        send_registered(h, route, req, old);
        pp_info("engine %d registered again (%d task%s kept)", old->id,
                old->outstanding, old->outstanding == 1 ? "" : "s");
        hub_dispatch(h);
        return;
    }
    if (h->nengines == h->cap_engines) {
        int32_t cap = h->cap_engines ? h->cap_engines * 2 : 16;
        hub_engine *grown = realloc(h->engines, (size_t)cap * sizeof *grown);
        if (!grown) {
            pp_err("out of memory registering an engine");
            return;
        }
        h->engines = grown;
        h->cap_engines = cap;
    }
    hub_engine *e = &h->engines[h->nengines];
    memset(e, 0, sizeof *e);
    e->id = h->nengines++;
    e->alive = true;
    memcpy(e->rid, zmq_msg_data(rid), rid_len);
    e->rid_len = rid_len;
    e->registered_ns = e->last_beat_ns = pp_mono_ns();
    snprintf(e->host, sizeof e->host, "?");
    if (req->nvalues >= 1 && req->types[0] == PP_T_STR) {
        zmq_msg_t *m = &fr->body[3];
        size_t len = zmq_msg_size(m) < sizeof e->host - 1
                         ? zmq_msg_size(m)
                         : sizeof e->host - 1;
        memcpy(e->host, zmq_msg_data(m), len);
        e->host[len] = '\0';
    }
    e->pid = (long)pid_attempt[0];
    e->attempt = pid_attempt[1];
    send_registered(h, route, req, e);
    pp_info("engine %d registered (%s, pid %ld)", e->id, e->host, e->pid);
    hub_publish(h, "engine_registered", e->id, e->host);
    hub_dispatch(h);
}

/* A beat from an engine's heart thread, which has its own socket: the
 * value names the engine's main identity, so a beat cannot keep alive an
 * engine it does not belong to.  The answer tells the heart whether the
 * controller still knows its engine. */
void hub_engine_beat(hub *h, pp_frames *fr, const pp_header *hd)
{
    hub_engine *e = hub_engine_by_id(h, hd->engine);
    bool known = e && hd->nvalues >= 1 && hd->types[0] == PP_T_BYTES
              && zmq_msg_size(&fr->body[3]) == e->rid_len
              && memcmp(zmq_msg_data(&fr->body[3]), e->rid, e->rid_len) == 0;
    if (known)
        e->last_beat_ns = pp_mono_ns();
    /* The engine's own refusals: what it dropped is visible only here. */
    if (known && hd->nvalues >= 2 && hd->types[1] == PP_T_I64
        && zmq_msg_size(&fr->body[4]) == sizeof e->refused)
        memcpy(e->refused, zmq_msg_data(&fr->body[4]), sizeof e->refused);
    pp_header rep = {
        .type = PP_MSG_HEARTBEAT,
        .id = pp_msg_id_next(),
        .parent = hd->id,
        .engine = hd->engine,
    };
    pp_error err;
    zmq_msg_t *route = &fr->route[0];
    if (known)
        pp_msg_send(h->engines_sock, h->signer, zmq_msg_data(route),
                    zmq_msg_size(route), &rep, NULL, 0, &err);
    else
        /* Built from the beat itself: the answer's parent is the beat. */
        pp_msg_send_error(h->engines_sock, h->signer, zmq_msg_data(route),
                          zmq_msg_size(route), hd, hd->engine, PP_ENOENT,
                          "this controller does not know the engine; "
                          "register again",
                          &err);
}

/* The engine leaves cleanly: it finished the task it was running, so
 * its balanced tasks go back to the queue. */
void hub_engine_unregister(hub *h, hub_engine *e, pp_frames *fr,
                           const pp_header *hd)
{
    pp_error err;
    /* The engine's count of REGISTERs sent: one its heart thread sent
     * before the engine stopped is older, and ignored. */
    if (hd->nvalues >= 1 && hd->types[0] == PP_T_I64
        && zmq_msg_size(&fr->body[3]) == sizeof(int64_t)) {
        int64_t attempts;
        memcpy(&attempts, zmq_msg_data(&fr->body[3]), sizeof attempts);
        if (attempts > e->attempt)
            e->attempt = attempts;
    }
    zmq_msg_t route;
    zmq_msg_init(&route);
    zmq_msg_copy(&route, &fr->route[0]);
    hub_engine_gone(h, e, "unregistered", true);
    pp_header rep = {
        .type = PP_MSG_UNREGISTER,
        .id = pp_msg_id_next(),
        .parent = hd->id,
        .engine = e->id,
    };
    pp_msg_send(h->engines_sock, h->signer, zmq_msg_data(&route),
                zmq_msg_size(&route), &rep, NULL, 0, &err);
    zmq_msg_close(&route);
}

/* The controller did not run for late ns (stopped with SIGSTOP, starved
 * of CPU): the beats that engines sent meanwhile wait unread, so that time
 * is not held against them, nor against the start timeouts of the tasks
 * queued.  (Engines that gave up on the controller
 * meanwhile register again in place: hub_engine_register.) */
static void forgive_stall(hub *h, int64_t late, int64_t now)
{
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (!e->alive)
            continue;
        e->last_beat_ns = e->last_beat_ns + late < now
                              ? e->last_beat_ns + late
                              : now;
        if (e->unreachable_ns) /* and so does one not connected */
            e->unreachable_ns = e->unreachable_ns + late < now
                                    ? e->unreachable_ns + late
                                    : now;
    }
    /* And so do the tasks queued with a start timeout: an engine may
     * have been free all along. */
    for (size_t i = 0; i < h->tasks.cap; i++) {
        hub_task *t = h->tasks.vals[i];
        if (t && t->queued_ns)
            t->queued_ns = t->queued_ns + late < now ? t->queued_ns + late
                                                     : now;
    }
    pp_info("this controller did not run for %.1f s; engines and queued "
            "tasks get that time back",
            (double)late / 1e9);
}

/* Notes that the controller runs now, allowed_ns after it last looked
 * (the wait it asked of poll; 0 between messages).  Much later than that,
 * it was not running: checked before each message too, since one stopped
 * mid-batch finds the REGISTERs of the engines that gave up on it next in
 * line. */
void hub_observe(hub *h, int64_t allowed_ns)
{
    int64_t now = pp_mono_ns();
    int64_t late = now - h->awake_ns - allowed_ns;
    if (late > h->stall_limit_ns)
        forgive_stall(h, late, now);
    h->awake_ns = now;
}

/* Engines whose heart stopped beating are dead; their tasks run
 * elsewhere or are reported failed. */
void hub_check_hearts(hub *h, int64_t now)
{
    int64_t limit = (int64_t)(h->cfg->heartbeat_s * 1e9)
                  * h->cfg->heartbeat_misses;
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (e->alive && now - e->last_beat_ns > limit) {
            char how[96];
            snprintf(how, sizeof how, "died (no heartbeat for %.1f s)",
                     (double)(now - e->last_beat_ns) / 1e9);
            hub_engine_gone(h, e, how, false);
        }
    }
}

static int by_sent_seq(const void *a, const void *b)
{
    uint64_t x = (*(hub_task *const *)a)->sent_seq;
    uint64_t y = (*(hub_task *const *)b)->sent_seq;
    return (x > y) - (x < y);
}

/* The engine's main connection dropped (it saw it, or its heart had to
 * register again): ZeroMQ discards what it had queued on a connection that
 * closes, and the kernel what was in flight, both ways, without a word.
 * The barrier goes on the engine's new connection behind every task sent
 * there; the engine answers it only after it has run those and sent their
 * results, which travel ahead of its answer.  So at the answer, a task
 * sent before the barrier that is still without a result was lost, on its
 * way there or its result on the way back. */
void hub_engine_sync(hub *h, hub_engine *e, const pp_header *hd)
{
    pp_error err;
    if (hd->parent == 0) {
        pp_header rep = {
            .type = PP_MSG_SYNC,
            .id = pp_msg_id_next(),
            .parent = hd->id,
            .engine = e->id,
        };
        if (pp_msg_send(h->engines_sock, h->signer, e->rid, e->rid_len, &rep,
                        NULL, 0, &err)) {
            /* Gone again: its next connection asks again. */
            pp_debug("no barrier for engine %d: %s", e->id, err.msg);
            hub_engine_unreachable(h, e);
            return;
        }
        e->barrier_id = rep.id;
        e->barrier_seq = h->sent_seq;
        hub_abort_tell_again(h, e);
        pp_debug("engine %d: its connection dropped; barrier sent after "
                 "%d outstanding task%s", e->id, e->outstanding,
                 e->outstanding == 1 ? "" : "s");
        /* Connected again: what waited for it goes behind the barrier. */
        if (e->unreachable_ns)
            hub_engine_reach(h, e);
        return;
    }
    if (!e->barrier_id || hd->parent != e->barrier_id) {
        /* The engine answers only its last request's barrier: this one
         * comes from before a restart, or from an entry since dead. */
        pp_debug("engine %d answered a barrier that is not its pending "
                 "one; ignored", e->id);
        return;
    }
    uint64_t seq = e->barrier_seq;
    e->barrier_id = 0;
    size_t n;
    hub_task **lost = tasks_of(h, e, seq, &n);
    if (!lost && e->outstanding > 0) {
        pp_err("out of memory looking for the tasks engine %d lost", e->id);
        return;
    }
    size_t again = 0;
    char why[160];
    /* The client puts "engine N: " in front of this. */
    snprintf(why, sizeof why,
             "its connection dropped with the task or its result on the "
             "way; it may or may not have run");
    /* In the order they were sent: failures reach their clients in that
     * order, and balanced tasks, each put in front of the queue, are
     * handed back last first, so they wait in their first order. */
    if (n > 1)
        qsort(lost, n, sizeof *lost, by_sent_seq);
    for (size_t i = 0; i < n; i++) {
        hub_task *t = lost[i];
        e->outstanding--;
        if (t->balanced)
            e->balanced_outstanding--;
        free(t->last_error);
        t->last_error = strdup(why);
        if (t->abort_sent) {
            h->tasks_aborted++;
            hub_end_task(h, t, PP_EABORTED,
                         "aborted (its connection dropped before it "
                         "finished)");
            lost[i] = NULL;
        } else if (!t->balanced || !t->body) {
            hub_fail_task(h, t, PP_EREMOTE, why);
            lost[i] = NULL;
        }
    }
    for (size_t i = n; i-- > 0;) {
        /* Not the engine's fault: no retry is used, and it may run there
         * again. */
        if (!lost[i])
            continue;
        if (hub_hand_back(h, lost[i]))
            again++;
        else
            hub_fail_task(h, lost[i], PP_EREMOTE, why);
    }
    free(lost);
    h->tasks_lost += n;
    if (n)
        pp_warn("engine %d: %zu task%s lost when its connection dropped: "
                "%zu queued again, %zu failed", e->id, n, n == 1 ? "" : "s",
                again, n - again);
    else
        pp_debug("engine %d: nothing was lost when its connection dropped",
                 e->id);
    hub_dispatch(h);
}
