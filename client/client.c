/* client.c - the connection to the controller: requests, task submission
 * (with `after` dependencies held here until they are met), and receiving
 * results into their async results. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "client_internal.h"
#include "connfile.h"
#include "files.h"
#include "log.h"

void client_held_free(held_task *t)
{
    pp_values_free(&t->vals);
    free(t->after);
    free(t->take);
    free(t->follow);
    free(t);
}

/* The slot of the result of task id, or NULL when no live async result
 * has it. */
static async_slot *slot_of(pp_client *c, uint64_t id)
{
    task_ref *r = pp_idmap_get(&c->tasks, id);
    return r ? &r->a->slots[r->slot] : NULL;
}

/* Counts t among the takers of each result it takes (copied, moved or
 * shared): a sharer moves the values only when no other task waits for
 * them, whichever way that one takes them. */
static void share_takes(pp_client *c, held_task *t)
{
    if (t->after_args == PP_AFTER_NONE)
        return;
    for (size_t i = 0; i < t->nafter; i++) {
        async_slot *s = slot_of(c, t->after[i]);
        if (s) {
            s->takers++;
            s->shared |= t->after_args == PP_AFTER_SHARE;
        }
    }
}

void client_held_drop(pp_client *c, held_task *t)
{
    for (size_t i = 0; t->after_args != PP_AFTER_NONE && i < t->nafter;
         i++) {
        async_slot *s = slot_of(c, t->after[i]);
        /* Let go only once in: a result that comes after its last taker
         * left stays, as a copied one does. */
        if (s && s->takers > 0 && --s->takers == 0 && s->shared
            && s->done) {
            pp_values_free(&s->vals);
            s->handed_on = true;
        }
    }
    client_held_free(t);
}

static void client_close(pp_client *c)
{
    pp_signer_destroy(&c->signer);
    client_monitor_close(c);
    if (c->sock) {
        int linger = 0;
        zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(c->sock);
    }
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    for (size_t i = 0; i < c->tasks.cap; i++)
        free(c->tasks.vals[i]);
    pp_idmap_free(&c->tasks);
    pp_values_free(&c->connect_ids);
    for (size_t i = 0; i < c->nheld; i++)
        client_held_free(c->held[i]);
    free(c->held);
}

static int request(pp_client *c, pp_msg_type type, double timeout_s,
                   pp_values *out, pp_error *err);

/* A routing id of the client's own, kept when ZeroMQ dials again after a
 * drop: the controller then knows the new connection as the same client,
 * sends the results of its tasks there, and answers which of them it
 * still has (pending.c).  ZeroMQ's own would be a new one each time.  Not
 * set (ZeroMQ's then) when the system has no randomness to give. */
static void set_routing_id(void *sock)
{
    uint8_t id[16];
    if (getrandom(id + 1, sizeof id - 1, GRND_NONBLOCK)
        != (ssize_t)(sizeof id - 1))
        return;
    id[0] = 'c'; /* ZeroMQ keeps ids that begin with a zero byte */
    zmq_setsockopt(sock, ZMQ_ROUTING_ID, id, sizeof id);
}

pp_client *pp_client_connect(const char *client_json, double timeout_s,
                             pp_error *err)
{
    pp_conninfo ci;
    if (pp_conninfo_read(client_json, &ci, err))
        return NULL;
    pp_client *c = calloc(1, sizeof *c);
    if (!c) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    pp_conninfo_endpoint(&ci, ci.client_port, c->endpoint,
                         sizeof c->endpoint);
    c->signer = pp_signer_new(ci.key, sizeof ci.key, err);
    if (c->signer)
        pp_signer_set_clock_window(c->signer, ci.clock_window_s);
    c->max_message = ci.max_message;
    c->patience_ns = 10 * (int64_t)1000000000;
    c->ctx = c->signer ? zmq_ctx_new() : NULL;
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    if (c->sock) {
        pp_socket_unbounded(c->sock);
        set_routing_id(c->sock);
    }
    if (c->sock && pp_conninfo_secure(&ci, c->sock, err)) {
        client_close(c);
        free(c);
        return NULL;
    }
    if (!c->sock || zmq_connect(c->sock, c->endpoint)) {
        if (c->signer)
            pp_error_set(err, PP_EZMQ, "cannot connect to %s: %s",
                         c->endpoint, zmq_strerror(zmq_errno()));
        client_close(c);
        free(c);
        return NULL;
    }
    int rc = request(c, PP_MSG_IDS, timeout_s, &c->connect_ids, err);
    c->connect_ids_ns = pp_mono_ns();
    if (rc) {
        if (rc == PP_ETIMEDOUT)
            pp_error_set(err, rc,
                         "no controller answered at %s within %g s (from "
                         "%s)",
                         c->endpoint, timeout_s, client_json);
        client_close(c);
        free(c);
        return NULL;
    }
    return c;
}

int pp_client_profile_file(const char *profile, char *out, size_t size,
                           pp_error *err)
{
    return pp_profile_path(profile ? profile : "default", "security",
                           "client.json", out, size, err);
}

pp_client *pp_client_connect_profile(const char *profile, double timeout_s,
                                     pp_error *err)
{
    char path[PP_PATH_MAX];
    if (pp_client_profile_file(profile, path, sizeof path, err))
        return NULL;
    if (access(path, F_OK) != 0) {
        pp_error_set(err, PP_ENOENT,
                     "profile %s: no %s (is a cluster running? start one "
                     "with `driver cluster start`)",
                     profile ? profile : "default", path);
        return NULL;
    }
    return pp_client_connect(path, timeout_s, err);
}

void pp_client_destroy(pp_client **client_p)
{
    if (!*client_p)
        return;
    client_close(*client_p);
    free(*client_p);
    *client_p = NULL;
}

void pp_client_set_interrupt(pp_client *c, volatile sig_atomic_t *flag)
{
    c->interrupt = flag;
}

void pp_client_set_patience(pp_client *c, double patience_s)
{
    c->patience_ns = (int64_t)(patience_s * 1e9);
}

/* A task reached the wire: from now on only its result or the loss of the
 * controller ends it. */
static void mark_sent(pp_client *c, uint64_t id)
{
    task_ref *r = pp_idmap_get(&c->tasks, id);
    if (r && !r->a->slots[r->slot].sent) {
        r->a->slots[r->slot].sent = true;
        if (c->in_flight++ == 0)
            c->in_flight_since_ns = pp_mono_ns();
    }
}

void client_fail_lost(pp_client *c, const char *why, bool asked_only)
{
    for (size_t i = 0; i < c->tasks.cap; i++) {
        task_ref *r = c->tasks.vals[i];
        if (!r)
            continue;
        async_slot *s = &r->a->slots[r->slot];
        if (s->sent && !s->done && (s->asked || !asked_only)) {
            async_fail_slot(r->a, r->slot, PP_ETIMEDOUT, why);
            if (c->in_flight)
                c->in_flight--;
        }
        s->asked = false;
    }
    if (!asked_only)
        c->in_flight = 0;
    c->pending_req = 0;
    if (c->nheld)
        client_release_held(c);
}

static void fail_in_flight(pp_client *c, const char *why)
{
    client_fail_lost(c, why, false);
}

/* Called by the pump when nothing arrived: ping a quiet controller, give
 * up on a silent one (true: tasks failed, the caller must look again). */
static bool check_controller(pp_client *c, int64_t now)
{
    if (c->in_flight == 0) {
        c->last_heard_ns = now;
        return false;
    }
    int64_t quiet = now - c->last_heard_ns;
    if (quiet > c->patience_ns) {
        char why[400];
        snprintf(why, sizeof why,
                 "no answer from the controller at %s for %.1f s: the task "
                 "was lost with it",
                 c->endpoint, (double)quiet / 1e9);
        pp_info("%s", why); /* the tasks carry it to the caller */
        fail_in_flight(c, why);
        c->last_heard_ns = now;
        return true;
    }
    if (client_pending_expired(c, now))
        return true;
    if (quiet > 1000000000 && now - c->ping_sent_ns > 1000000000) {
        pp_header h = { .type = PP_MSG_IDS, .id = pp_msg_id_next(),
                        .engine = -1, .t_submit = now };
        pp_error err;
        if (pp_msg_send(c->sock, c->signer, NULL, 0, &h, NULL, 0, &err) == 0)
            c->ping_sent_ns = now;
    }
    return false;
}

/* Every reply of the controller carries its run's start time: another
 * run, and the tasks in flight may have been lost with the one before
 * (pending.c). */
static void note_epoch(pp_client *c, int64_t epoch)
{
    if (epoch == 0)
        return;
    int64_t before = c->epoch;
    c->epoch = epoch;
    if (!before || epoch == before)
        return;
    if (c->in_flight)
        client_ask_pending(c, before);
    else
        c->pending_req = 0; /* nothing left to ask about */
}

static int64_t deadline_after(double timeout_s)
{
    return timeout_s < 0 ? INT64_MAX
                         : pp_mono_ns() + (int64_t)(timeout_s * 1e9);
}

void async_fail_slot(pp_async *a, size_t i, int code, const char *text)
{
    async_slot *s = &a->slots[i];
    if (s->done)
        return;
    s->done = true;
    a->order[a->done++] = i;
    s->meta.status = code ? code : PP_EREMOTE;
    s->meta.completed = pp_now_ns();
    free(s->error);
    s->error = strdup(text);
}

/* Where dependencies ids[0..n) stand: 1 all met, 0 some still running,
 * -1 one failed or is unknown (why says which). */
static int ids_state(pp_client *c, const uint64_t *ids, size_t n,
                     char *why, size_t size)
{
    int state = 1;
    for (size_t i = 0; i < n; i++) {
        task_ref *r = pp_idmap_get(&c->tasks, ids[i]);
        if (!r) {
            snprintf(why, size,
                     "depends on task %016llx, which this client does not "
                     "know (was its result destroyed?)",
                     (unsigned long long)ids[i]);
            return -1;
        }
        async_slot *s = &r->a->slots[r->slot];
        if (!s->done) {
            state = 0;
        } else if (s->meta.status) {
            if (s->meta.engine >= 0)
                snprintf(why, size,
                         "depends on task %016llx, which failed: engine %d: "
                         "%s",
                         (unsigned long long)ids[i], s->meta.engine,
                         s->error ? s->error : "?");
            else
                snprintf(why, size,
                         "depends on task %016llx, which failed: %s",
                         (unsigned long long)ids[i],
                         s->error ? s->error : "?");
            return -1;
        }
    }
    return state;
}

/* Where the dependencies of a held task stand (its after and follow
 * tasks), as ids_state. */
static int deps_state(pp_client *c, const held_task *t, char *why,
                      size_t size)
{
    int a = ids_state(c, t->after, t->nafter, why, size);
    if (a < 0)
        return a;
    int f = ids_state(c, t->follow, t->nfollow, why, size);
    return f < 0 ? f : a && f;
}

/* The engine where a held task's follow tasks, all done, ran: set in
 * its header (with PP_TASK_FOLLOW), or 0 when they ran on different
 * engines (why says which). */
static int set_follow_engine(pp_client *c, held_task *t, char *why,
                             size_t size)
{
    int32_t at = -1;
    uint64_t first = 0;
    int64_t run = 0;
    for (size_t i = 0; i < t->nfollow; i++) {
        task_ref *r = pp_idmap_get(&c->tasks, t->follow[i]);
        const async_slot *s = &r->a->slots[r->slot];
        int32_t e = s->meta.engine;
        /* A restarted controller numbers its engines anew.  A run other
         * than the client's is an earlier one when the client has heard
         * from its own run since that result; otherwise the result is
         * the client's first word of a restarted controller, which the
         * controller checks (t_start). */
        if (s->epoch != c->epoch && s->heard != c->epoch) {
            snprintf(why, size,
                     "follows task %016llx, which ran before the "
                     "controller restarted: its engine's id may name "
                     "another engine now",
                     (unsigned long long)t->follow[i]);
            return 0;
        }
        if (run && s->epoch != run) {
            snprintf(why, size,
                     "follows tasks %016llx and %016llx, which ran in "
                     "different runs of the controller (it restarted "
                     "between them): an engine's id may name another "
                     "engine now",
                     (unsigned long long)first,
                     (unsigned long long)t->follow[i]);
            return 0;
        }
        run = s->epoch;
        if (at >= 0 && e != at) {
            snprintf(why, size,
                     "follows tasks that ran on different engines: task "
                     "%016llx on engine %d, task %016llx on engine %d",
                     (unsigned long long)first, at,
                     (unsigned long long)t->follow[i], e);
            return 0;
        }
        if (at < 0) {
            at = e;
            first = t->follow[i];
        }
    }
    t->h.engine = at;
    t->h.flags |= PP_TASK_FOLLOW;
    t->h.t_start = run; /* the run the followed tasks ran in */
    return 1;
}

static int send_task(pp_client *c, pp_header *h, pp_value *vals, size_t n,
                     pp_error *err)
{
    /* The controller would drop the connection over a frame this big and
     * the task would never be answered: refuse it here, in words. */
    for (size_t i = 0; i < n; i++)
        if ((int64_t)vals[i].size > c->max_message) {
            pp_error_set(err, PP_EINVAL,
                         "argument %zu of the task is %.1f MB, more than "
                         "the controller accepts (%.1f MB; see its "
                         "--max-message-size)",
                         i, (double)vals[i].size / 1e6,
                         (double)c->max_message / 1e6);
            for (size_t k = 0; k < n; k++)
                pp_value_free(&vals[k]);
            return err->code;
        }
    h->t_submit = pp_now_ns();
    return pp_msg_send(c->sock, c->signer, NULL, 0, h, vals, n, err);
}

/* The bytes of a value that several tasks' messages hold at once: each
 * holds a reference, and the bytes go with the last (ZeroMQ's thread lets
 * go of a message's once it is sent, hence atomic). */
typedef struct shared_bytes {
    atomic_uint refs;
    pp_release_fn *release;
    void *hint;
} shared_bytes;

static void release_shared(void *data, void *hint)
{
    shared_bytes *b = hint;
    if (atomic_fetch_sub(&b->refs, 1) == 1) {
        b->release(data, b->hint);
        free(b);
    }
}

/* *out refers to v's bytes, with no copy; v holds its own reference.
 * A value that does not own its bytes is copied. */
static int share_value(pp_value *out, pp_value *v)
{
    if (!v->release || v->size == 0)
        return pp_value_copy(out, v);
    if (v->release != release_shared) {
        shared_bytes *b = malloc(sizeof *b);
        if (!b)
            return PP_ENOMEM;
        atomic_init(&b->refs, 1);
        b->release = v->release;
        b->hint = v->hint;
        v->release = release_shared;
        v->hint = b;
    }
    atomic_fetch_add(&((shared_bytes *)v->hint)->refs, 1);
    *out = *v;
    return 0;
}

/* Whether held task t moves the values of result r: moved, or shared
 * and the last task that takes them. */
static bool moves(const held_task *t, const task_ref *r)
{
    return t->after_args == PP_AFTER_MOVE
           || (t->after_args == PP_AFTER_SHARE
               && r->a->slots[r->slot].takers == 1);
}

/* Whether dependency i of t comes again later in t's list: a task
 * that names a result twice moves it at its last mention only, and
 * copies it before. */
static bool named_again(const held_task *t, size_t i)
{
    for (size_t j = i + 1; j < t->nafter; j++)
        if (t->after[j] == t->after[i])
            return true;
    return false;
}

/* Puts the dependencies' results in front of a released task's own
 * values, copied or moved. */
static int gather_after_args(pp_client *c, held_task *t, pp_error *err)
{
    if (t->after_args == PP_AFTER_NONE)
        return 0;
    /* A result already handed on, or a value taken that a result does
     * not have, fails the task before anything is moved. */
    for (size_t i = 0; i < t->nafter; i++) {
        task_ref *r = pp_idmap_get(&c->tasks, t->after[i]);
        if (r->a->slots[r->slot].handed_on)
            return pp_error_set(err, PP_EINVAL,
                                "the result of task %016llx was already "
                                "handed on to other tasks (after_args move "
                                "or share)",
                                (unsigned long long)t->after[i]);
    }
    for (size_t i = 0; t->take && i < t->nafter; i++) {
        task_ref *r = pp_idmap_get(&c->tasks, t->after[i]);
        size_t n = r->a->slots[r->slot].vals.n;
        for (size_t k = n; k < 32; k++)
            if (t->take[i] >> k & 1)
                return pp_error_set(err, PP_EINVAL,
                                    "the task takes value %zu of the result "
                                    "of task %016llx, which has %zu",
                                    k, (unsigned long long)t->after[i], n);
    }
    pp_values all = { 0 };
    int rc = 0;
    for (size_t i = 0; !rc && i < t->nafter; i++) {
        task_ref *r = pp_idmap_get(&c->tasks, t->after[i]);
        pp_values *from = &r->a->slots[r->slot].vals;
        uint32_t take = t->take ? t->take[i] : UINT32_MAX;
        bool move = moves(t, r) && !named_again(t, i);
        for (size_t k = 0; !rc && k < from->n; k++) {
            if (k >= 32 || !(take >> k & 1))
                continue;
            pp_value v;
            if (move) {
                v = from->v[k];
                memset(&from->v[k], 0, sizeof from->v[k]);
            } else if ((rc = t->after_args == PP_AFTER_SHARE
                                 ? share_value(&v, &from->v[k])
                                 : pp_value_copy(&v, &from->v[k]))) {
                break;
            }
            rc = pp_values_push(&all, &v);
            if (rc)
                pp_value_free(&v);
        }
        if (move) {
            /* The values went to this task (and those it does not take
             * are of no use to anyone); the result keeps none. */
            for (size_t k = 0; k < from->n; k++)
                pp_value_free(&from->v[k]);
            from->n = 0;
            r->a->slots[r->slot].handed_on = true;
        }
    }
    for (size_t k = 0; !rc && k < t->vals.n; k++)
        rc = pp_values_push(&all, &t->vals.v[k]);
    if (!rc && all.n > PP_MAX_VALUES)
        rc = PP_EINVAL;
    if (rc) {
        pp_values_free(&all);
        return pp_error_set(err, rc,
                            rc == PP_EINVAL
                                ? "the task and its dependencies' results "
                                  "make more than 16 values"
                                : "out of memory");
    }
    free(t->vals.v);
    t->vals = all;
    return 0;
}

/* Sends the held tasks whose dependencies are now met, and fails those
 * whose dependencies failed. */
void client_release_held(pp_client *c)
{
    for (size_t i = 0; i < c->nheld;) {
        held_task *t = c->held[i];
        char why[600];
        int state = deps_state(c, t, why, sizeof why);
        if (state == 0) {
            i++;
            continue;
        }
        c->held[i] = c->held[--c->nheld];
        task_ref *r = pp_idmap_get(&c->tasks, t->h.id);
        pp_error err;
        if (state > 0 && t->nfollow)
            state = set_follow_engine(c, t, why, sizeof why) ? 1 : -1;
        if (state > 0) {
            int rc = gather_after_args(c, t, &err);
            if (rc == 0)
                rc = send_task(c, &t->h, t->vals.v, t->vals.n, &err);
            else
                pp_values_free(&t->vals);
            free(t->vals.v);
            t->vals.v = NULL;
            t->vals.n = 0;
            if (rc && r)
                async_fail_slot(r->a, r->slot, rc, err.msg);
            else if (r) {
                r->a->slots[r->slot].meta.submitted = t->h.t_submit;
                mark_sent(c, t->h.id);
            }
        } else if (r) {
            async_fail_slot(r->a, r->slot, PP_EREMOTE, why);
        }
        client_held_drop(c, t);
        /* A failure may decide other held tasks: look at all again. */
        i = 0;
    }
}

/* Files one result with its async result.  bad: NULL, or why its values
 * cannot be believed (then none are taken and the task fails with it). */
static void file_result(pp_client *c, pp_frames *fr, const pp_header *h,
                        const pp_error *bad)
{
    task_ref *r = pp_idmap_get(&c->tasks, h->parent);
    if (!r || r->a->slots[r->slot].done) {
        pp_debug("result for a task this client does not wait for");
        return;
    }
    pp_async *a = r->a;
    async_slot *s = &a->slots[r->slot];
    pp_error err = { 0 };
    if (s->sent && c->in_flight && --c->in_flight == 0)
        c->pending_req = 0; /* nothing left to ask about */
    s->done = true;
    a->order[a->done++] = r->slot;
    s->meta.engine = h->engine;
    /* The controller names its run in the RESULTs it passes on: the
     * client may not have heard any other reply of a restarted one yet. */
    s->epoch = h->type == PP_MSG_RESULT && h->timeout_ms > 0 ? h->timeout_ms
                                                              : c->epoch;
    s->heard = c->epoch;
    s->meta.started = h->t_start;
    s->meta.completed = h->t_done ? h->t_done : pp_now_ns();
    s->meta.status = h->status;
    if (bad) {
        s->meta.status = bad->code;
        s->error = strdup(bad->msg);
    } else if (pp_frames_take_values(fr, h, &s->vals, &err)) {
        s->meta.status = err.code;
        s->error = strdup(err.msg);
    } else if (h->status) {
        char *text = pp_value_strdup(&s->vals.v[0]);
        s->error = text ? text : strdup("(no memory for the error text)");
    }
    if (c->nheld)
        client_release_held(c);
}

int client_pump(pp_client *c, int64_t deadline, uint64_t want_id,
                bool *got, pp_values *out, pp_error *err)
{
    for (;;) {
        if (c->interrupt && *c->interrupt)
            return pp_error_set(err, PP_EINTR, "interrupted");
        int64_t now = pp_mono_ns();
        int64_t left_ms = now >= deadline
                              ? 0
                              : (deadline - now + 999999) / 1000000;
        /* Wake up now and then to see the interrupt flag, in case the
         * signal arrived between the check above and the poll. */
        long wait = left_ms > 500 ? 500 : (long)left_ms;
        if (client_ask_on_own(c, now))
            return 0; /* tasks failed: the caller must look again */
        /* A PENDING past its patience expires even while other messages
         * keep coming, once none is waiting to be read (its answer could
         * be that one).  A controller silent for as long is gone instead:
         * check_controller says so. */
        zmq_pollitem_t items[2] = { { c->sock, 0, ZMQ_POLLIN, 0 },
                                    { c->monitor, 0, ZMQ_POLLIN, 0 } };
        if (c->pending_req && now - c->pending_sent_ns > c->patience_ns
            && now - c->last_heard_ns <= c->patience_ns
            && zmq_poll(items, 1, 0) == 0 && client_pending_expired(c, now))
            return 0;
        int n = zmq_poll(items, c->monitor ? 2 : 1, wait);
        if (n < 0 && zmq_errno() != EINTR)
            return pp_error_set(err, PP_EZMQ, "poll: %s",
                                zmq_strerror(zmq_errno()));
        if (n > 0 && c->monitor && (items[1].revents & ZMQ_POLLIN)) {
            size_t before = c->in_flight;
            client_monitor_read(c);
            if (c->in_flight < before)
                return 0; /* tasks failed: the caller must look again */
        }
        /* Nothing to read: also after the monitor's events alone, which
         * come every reconnection when a port accepts and closes (a
         * tunnel whose controller is gone) and must not put the
         * patience off for ever. */
        if (n <= 0 || !(items[0].revents & ZMQ_POLLIN)) {
            if (check_controller(c, pp_mono_ns()))
                return 0;
            if (pp_mono_ns() >= deadline)
                return pp_error_set(err, PP_ETIMEDOUT, "timed out");
            continue;
        }
        pp_frames fr;
        pp_header h;
        pp_error e2;
        if (pp_frames_recv(c->sock, &fr, ZMQ_DONTWAIT, &e2))
            continue;
        /* A result whose seal holds but whose values do not match it
         * fails its task (the header is genuine: it names the task);
         * anything else that fails is dropped. */
        int bad = pp_frames_verify_seal(&fr, c->signer, &h, &e2);
        bool bad_values = !bad && pp_frames_verify_values(&fr, c->signer,
                                                           &e2);
        if (bad || (bad_values && h.type != PP_MSG_RESULT)) {
            if (c->dropped++ == 0)
                pp_warn("dropped a message from the controller: %s",
                        e2.msg);
            pp_frames_close(&fr);
            continue;
        }
        c->last_heard_ns = pp_mono_ns();
        bool answer = h.type == PP_MSG_PENDING && c->pending_req
                      && h.parent == c->pending_req;
        if (h.type != PP_MSG_RESULT && !answer)
            note_epoch(c, h.t_start);
        if (answer) {
            pp_values vals = { 0 };
            pp_error e3;
            if (pp_frames_take_values(&fr, &h, &vals, &e3))
                h.status = PP_EPROTO; /* unreadable: as if none held */
            client_pending_answered(c, &h, &vals);
            pp_values_free(&vals);
        } else if (h.type == PP_MSG_RESULT) {
            if (bad_values) {
                c->dropped++;
                pp_error_set(&e2, PP_EPROTO,
                             "the result's values do not match its "
                             "signature (changed on the way?)");
            }
            file_result(c, &fr, &h, bad_values ? &e2 : NULL);
        } else if (want_id && h.parent == want_id) {
            *got = true;
            int rc = pp_frames_take_values(&fr, &h, out, err);
            if (!rc && h.status) {
                char *text = pp_value_strdup(&out->v[0]);
                rc = pp_error_set(err, h.status, "%s",
                                  text ? text : "request failed");
                free(text);
            }
            pp_frames_close(&fr);
            return rc;
        }
        pp_frames_close(&fr);
        return 0;
    }
}

static int request(pp_client *c, pp_msg_type type, double timeout_s,
                   pp_values *out, pp_error *err)
{
    pp_header h = { .type = (uint8_t)type, .id = pp_msg_id_next(),
                    .engine = -1, .t_submit = pp_now_ns() };
    int rc = pp_msg_send(c->sock, c->signer, NULL, 0, &h, NULL, 0, err);
    int64_t deadline = deadline_after(timeout_s);
    bool got = false;
    while (!rc && !got)
        rc = client_pump(c, deadline, h.id, &got, out, err);
    return rc;
}

/* How long the connect's IDS reply stands for a fresh one: a command
 * whose first step lists the engines (hello, apply, any direct view) sees
 * them as of its connect, at most this much earlier than asking again. */
#define CONNECT_IDS_FRESH_NS (50 * (int64_t)1000000)

int pp_client_ids(pp_client *c, int64_t **ids, size_t *n, pp_error *err)
{
    pp_values out = { 0 };
    int rc = 0;
    if (c->connect_ids.n
        && pp_mono_ns() - c->connect_ids_ns < CONNECT_IDS_FRESH_NS) {
        out = c->connect_ids; /* moved: the next call asks */
        c->connect_ids = (pp_values){ 0 };
    } else {
        pp_values_free(&c->connect_ids);
        rc = request(c, PP_MSG_IDS, 10, &out, err);
    }
    if (!rc && (out.n != 1 || out.v[0].type != PP_T_I64))
        rc = pp_error_set(err, PP_EPROTO, "malformed ids reply");
    if (!rc) {
        *n = pp_value_count(&out.v[0]);
        *ids = malloc(out.v[0].size + 1);
        if (*ids)
            memcpy(*ids, out.v[0].data, out.v[0].size);
        else
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    pp_values_free(&out);
    return rc;
}

int pp_client_status(pp_client *c, char **json, pp_error *err)
{
    pp_values out = { 0 };
    int rc = request(c, PP_MSG_STATUS, 10, &out, err);
    if (!rc && (out.n != 1 || out.v[0].type != PP_T_STR))
        rc = pp_error_set(err, PP_EPROTO, "malformed status reply");
    if (!rc && !(*json = pp_value_strdup(&out.v[0])))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_values_free(&out);
    return rc;
}

static int add_slot(pp_client *c, pp_async **a_p, uint64_t id,
                    size_t *slot, pp_error *err)
{
    pp_async *a = *a_p;
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        a->client = c;
        *a_p = a;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        async_slot *grown = realloc(a->slots, cap * sizeof *grown);
        if (!grown)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        a->slots = grown;
        size_t *order = realloc(a->order, cap * sizeof *order);
        if (!order)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        a->order = order;
        a->cap = cap;
    }
    task_ref *r = malloc(sizeof *r);
    if (!r || pp_idmap_put(&c->tasks, id, r)) {
        free(r);
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    r->a = a;
    r->slot = a->n;
    async_slot *s = &a->slots[a->n++];
    memset(s, 0, sizeof *s);
    s->id = id;
    s->meta.engine = -1;
    s->meta.submitted = pp_now_ns();
    *slot = r->slot;
    return 0;
}

/* Keeps a task until its dependencies are met; its values become owned
 * copies, since the caller's may not outlive this call. */
static int hold(pp_client *c, const pp_header *h, const pp_task_opts *o,
                pp_value *vals, size_t n, pp_error *err)
{
    held_task *t = calloc(1, sizeof *t);
    if (!t)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    t->h = *h;
    t->after_args = o->after_args;
    t->after = o->nafter ? malloc(o->nafter * sizeof *t->after) : NULL;
    int rc = t->after || !o->nafter ? 0 : PP_ENOMEM;
    if (t->after) {
        memcpy(t->after, o->after, o->nafter * sizeof *t->after);
        t->nafter = o->nafter;
    }
    if (!rc && o->nfollow) {
        t->follow = malloc(o->nfollow * sizeof *t->follow);
        if (t->follow) {
            memcpy(t->follow, o->follow, o->nfollow * sizeof *t->follow);
            t->nfollow = o->nfollow;
        } else {
            rc = PP_ENOMEM;
        }
    }
    if (!rc && o->after_take) {
        t->take = malloc(o->nafter * sizeof *t->take);
        if (t->take)
            memcpy(t->take, o->after_take, o->nafter * sizeof *t->take);
        else
            rc = PP_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        pp_value owned = vals[i];
        if (!rc && !vals[i].release)
            rc = pp_value_copy(&owned, &vals[i]);
        else
            memset(&vals[i], 0, sizeof vals[i]);
        if (!rc)
            rc = pp_values_push(&t->vals, &owned);
        if (rc)
            pp_value_free(&owned);
    }
    if (!rc && c->nheld == c->cap_held) {
        size_t cap = c->cap_held ? c->cap_held * 2 : 16;
        held_task **grown = realloc(c->held, cap * sizeof *grown);
        if (grown) {
            c->held = grown;
            c->cap_held = cap;
        } else
            rc = PP_ENOMEM;
    }
    if (rc) {
        client_held_free(t);
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    c->held[c->nheld++] = t;
    share_takes(c, t);
    return 0;
}

static int seconds_to_ms(const char *what, double s, int64_t *ms,
                         pp_error *err)
{
    /* Written so that NaN fails it too. */
    if (!(s >= 0 && s <= PP_TASK_TIMEOUT_MAX_S))
        return pp_error_set(err, PP_EINVAL,
                            "%s: %g s is out of range (0 to %d s; "
                            "0: no limit)",
                            what, s, PP_TASK_TIMEOUT_MAX_S);
    *ms = (int64_t)llround(s * 1000);
    if (*ms == 0 && s > 0)
        *ms = 1; /* a positive limit never becomes "no limit" */
    return 0;
}

int client_check_after_args(pp_after_args how, pp_error *err)
{
    /* An enum from C may hold any int: one out of range would be taken
     * for a copy. */
    if ((unsigned)how > PP_AFTER_SHARE)
        return pp_error_set(err, PP_EINVAL,
                            "after_args %d is not none, copy, move or share "
                            "(0 to 3)",
                            (int)how);
    return 0;
}

int pp_task_timeout_ms(double timeout_s, int64_t *ms, pp_error *err)
{
    return seconds_to_ms("task timeout", timeout_s, ms, err);
}

int pp_task_limit_ms(double limit_s, int64_t *ms, pp_error *err)
{
    return seconds_to_ms("task time limit", limit_s, ms, err);
}

int pp_client_submit(pp_client *c, pp_async **a_p, pp_task_kind kind,
                     const char *workload, int32_t engine, int64_t run,
                     const pp_task_opts *opts, pp_value *vals, size_t n,
                     pp_error *err)
{
    static const pp_task_opts none = { 0 };
    const pp_task_opts *o = opts ? opts : &none;
    pp_header h = {
        .type = PP_MSG_TASK,
        .kind = (uint8_t)kind,
        .id = pp_msg_id_next(),
        .engine = engine,
        .retries = o->retries > 0 ? o->retries : 0,
        /* In a task, the run whose numbering engine is in (protocol.md). */
        .t_start = engine >= 0 ? run : 0,
    };
    size_t slot = 0;
    int rc = pp_task_timeout_ms(o->timeout_s, &h.timeout_ms, err);
    if (!rc)
        rc = pp_task_limit_ms(o->time_limit_s, &h.limit_ms, err);
    if (!rc)
        rc = pp_header_set_name(&h, workload, err);
    if (!rc && n > PP_MAX_VALUES)
        rc = pp_error_set(err, PP_EINVAL, "%zu values, at most %d", n,
                          PP_MAX_VALUES);
    if (!rc)
        rc = client_check_after_args(o->after_args, err);
    if (!rc && o->nfollow && engine >= 0)
        rc = pp_error_set(err, PP_EINVAL,
                          "follow is for load-balanced tasks (this one "
                          "goes to engine %d)",
                          (int)engine);
    if (!rc)
        rc = add_slot(c, a_p, h.id, &slot, err);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            pp_value_free(&vals[i]);
        return rc;
    }
    pp_async *a = *a_p;
    if (o->nafter || o->nfollow) {
        held_task probe = { .after = (uint64_t *)o->after,
                            .nafter = o->nafter,
                            .follow = (uint64_t *)o->follow,
                            .nfollow = o->nfollow };
        char why[600];
        int state = deps_state(c, &probe, why, sizeof why);
        if (state < 0) {
            for (size_t i = 0; i < n; i++)
                pp_value_free(&vals[i]);
            async_fail_slot(a, slot, PP_EREMOTE, why);
            return 0;
        }
        /* Held also when its dependencies are done but it takes their
         * results: the release puts them in. */
        if (state == 0 || o->after_args != PP_AFTER_NONE || o->nfollow) {
            rc = hold(c, &h, o, vals, n, err);
            if (rc)
                async_fail_slot(a, slot, rc, err->msg);
            else if (state > 0 && !c->batch)
                client_release_held(c);
            return rc;
        }
    }
    rc = send_task(c, &h, vals, n, err);
    if (rc)
        async_fail_slot(a, slot, rc, err->msg);
    else {
        a->slots[slot].meta.submitted = h.t_submit;
        mark_sent(c, h.id);
    }
    return rc;
}

void client_forget_async(pp_client *c, pp_async *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->slots[i].sent && !a->slots[i].done && c->in_flight
            && --c->in_flight == 0)
            c->pending_req = 0; /* nothing left to ask about */
        free(pp_idmap_remove(&c->tasks, a->slots[i].id));
    }
    /* Held tasks of a are dropped with it. */
    for (size_t i = 0; i < c->nheld;) {
        bool mine = false;
        for (size_t k = 0; k < a->n && !mine; k++)
            mine = a->slots[k].id == c->held[i]->h.id;
        if (mine) {
            client_held_drop(c, c->held[i]);
            c->held[i] = c->held[--c->nheld];
        } else {
            i++;
        }
    }
    /* Others that wait for a's tasks fail now, naming them, rather than
     * wait for results that will never be filed. */
    if (!c->batch)
        client_release_held(c);
}
