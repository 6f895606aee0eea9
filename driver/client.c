/* client.c - connection to the controller, task submission, async results. */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connfile.h"
#include "idmap.h"
#include "log.h"

typedef struct async_slot {
    uint64_t id;
    bool done;
    pp_task_meta meta;
    pp_values vals;
    char *error; /* the engine's or controller's text, when failed */
} async_slot;

struct pp_async {
    pp_client *client;
    async_slot *slots;
    size_t n;
    size_t cap;
    size_t done;
};

/* Where a task's result goes: an async result and a slot in it. */
typedef struct pending {
    pp_async *a;
    size_t slot;
} pending;

struct pp_client {
    void *ctx;
    void *sock;
    pp_signer *signer;
    char endpoint[300];
    pp_idmap pending; /* task id -> pending */
    volatile sig_atomic_t *interrupt;
    uint64_t dropped;
};

static void client_close(pp_client *c)
{
    pp_signer_destroy(&c->signer);
    if (c->sock) {
        int linger = 0;
        zmq_setsockopt(c->sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(c->sock);
    }
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    for (size_t i = 0; i < c->pending.cap; i++)
        free(c->pending.vals[i]);
    pp_idmap_free(&c->pending);
}

/* Sends a request without values and waits for its reply. */
static int request(pp_client *c, pp_msg_type type, double timeout_s,
                   pp_values *out, pp_error *err);

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
    c->ctx = c->signer ? zmq_ctx_new() : NULL;
    c->sock = c->ctx ? zmq_socket(c->ctx, ZMQ_DEALER) : NULL;
    if (!c->sock || zmq_connect(c->sock, c->endpoint)) {
        if (c->signer)
            pp_error_set(err, PP_EZMQ, "cannot connect to %s: %s",
                         c->endpoint, zmq_strerror(zmq_errno()));
        client_close(c);
        free(c);
        return NULL;
    }
    pp_values none = { 0 };
    int rc = request(c, PP_MSG_IDS, timeout_s, &none, err);
    pp_values_free(&none);
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

static int64_t deadline_after(double timeout_s)
{
    return timeout_s < 0 ? INT64_MAX
                         : pp_now_ns() + (int64_t)(timeout_s * 1e9);
}

/* Files one result with its async result. */
static void file_result(pp_client *c, pp_frames *fr, const pp_header *h)
{
    pending *p = pp_idmap_remove(&c->pending, h->parent);
    if (!p) {
        pp_debug("result for a task this client does not wait for");
        return;
    }
    pp_async *a = p->a;
    async_slot *s = &a->slots[p->slot];
    free(p);
    pp_error err = { 0 };
    s->done = true;
    a->done++;
    s->meta.engine = h->engine;
    s->meta.started = h->t_start;
    s->meta.completed = h->t_done ? h->t_done : pp_now_ns();
    s->meta.status = h->status;
    if (pp_frames_take_values(fr, h, &s->vals, &err)) {
        s->meta.status = err.code;
        s->error = strdup(err.msg);
    } else if (h->status) {
        char *text = pp_value_strdup(&s->vals.v[0]);
        s->error = text ? text : strdup("(no memory for the error text)");
    }
}

/* Receives and handles one message, waiting at most until deadline.  When
 * the message is the reply to request want_id, its values go to out and
 * *got is set.  Returns 0, PP_ETIMEDOUT or PP_EINTR. */
static int pump(pp_client *c, int64_t deadline, uint64_t want_id,
                bool *got, pp_values *out, pp_error *err)
{
    for (;;) {
        if (c->interrupt && *c->interrupt)
            return pp_error_set(err, PP_EINTR, "interrupted");
        int64_t now = pp_now_ns();
        int64_t left_ms = now >= deadline ? 0
                                          : (deadline - now + 999999) / 1000000;
        /* Wake up now and then to see the interrupt flag, in case the
         * signal arrived between the check above and the poll. */
        long wait = left_ms > 500 ? 500 : (long)left_ms;
        zmq_pollitem_t item = { c->sock, 0, ZMQ_POLLIN, 0 };
        int n = zmq_poll(&item, 1, wait);
        if (n < 0 && zmq_errno() != EINTR)
            return pp_error_set(err, PP_EZMQ, "poll: %s",
                                zmq_strerror(zmq_errno()));
        if (n <= 0) {
            if (pp_now_ns() >= deadline)
                return pp_error_set(err, PP_ETIMEDOUT, "timed out");
            continue;
        }
        pp_frames fr;
        pp_header h;
        pp_error e2;
        if (pp_frames_recv(c->sock, &fr, ZMQ_DONTWAIT, &e2))
            continue;
        if (pp_frames_verify(&fr, c->signer, &h, &e2)) {
            if (c->dropped++ == 0)
                pp_warn("dropped a message from the controller: %s",
                        e2.msg);
            pp_frames_close(&fr);
            continue;
        }
        if (h.type == PP_MSG_RESULT) {
            file_result(c, &fr, &h);
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
        rc = pump(c, deadline, h.id, &got, out, err);
    return rc;
}

int pp_client_ids(pp_client *c, int64_t **ids, size_t *n, pp_error *err)
{
    pp_values out = { 0 };
    int rc = request(c, PP_MSG_IDS, 10, &out, err);
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

int pp_client_submit(pp_client *c, pp_async **a_p, pp_task_kind kind,
                     const char *workload, int32_t engine, pp_value *vals,
                     size_t n, pp_error *err)
{
    pp_header h = {
        .type = PP_MSG_TASK,
        .kind = (uint8_t)kind,
        .id = pp_msg_id_next(),
        .engine = engine,
        .t_submit = pp_now_ns(),
    };
    int rc = pp_header_set_name(&h, workload, err);
    pp_async *a = *a_p;
    if (!rc && !a) {
        a = calloc(1, sizeof *a);
        if (a)
            a->client = c;
        else
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    if (!rc && a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        async_slot *grown = realloc(a->slots, cap * sizeof *grown);
        if (grown) {
            a->slots = grown;
            a->cap = cap;
        } else
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    pending *p = rc ? NULL : malloc(sizeof *p);
    if (!rc && (!p || pp_idmap_put(&c->pending, h.id, p)))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    if (rc) {
        free(p);
        for (size_t i = 0; i < n; i++)
            pp_value_free(&vals[i]);
        if (a && !*a_p)
            pp_async_destroy(&a);
        return rc;
    }
    *a_p = a;
    p->a = a;
    p->slot = a->n;
    async_slot *s = &a->slots[a->n++];
    memset(s, 0, sizeof *s);
    s->id = h.id;
    s->meta.engine = -1;
    s->meta.submitted = h.t_submit;
    rc = pp_msg_send(c->sock, c->signer, NULL, 0, &h, vals, n, err);
    if (rc) {
        /* The task never left: record it as failed, so it is not lost. */
        free(pp_idmap_remove(&c->pending, h.id));
        s->done = true;
        a->done++;
        s->meta.status = rc;
        s->error = strdup(err->msg);
    }
    return rc;
}

size_t pp_async_len(const pp_async *a)
{
    return a->n;
}

size_t pp_async_progress(pp_async *a)
{
    pp_error err;
    bool got = false;
    /* Take in whatever has arrived, without waiting. */
    while (a->done < a->n
           && pump(a->client, 0, 0, &got, NULL, &err) == 0)
        ;
    return a->done;
}

bool pp_async_ready(pp_async *a)
{
    return pp_async_progress(a) == a->n;
}

int pp_async_wait(pp_async *a, double timeout_s, pp_error *err)
{
    int64_t deadline = deadline_after(timeout_s);
    bool got = false;
    while (a->done < a->n) {
        int rc = pump(a->client, deadline, 0, &got, NULL, err);
        if (rc)
            return rc;
    }
    return 0;
}

int pp_async_result(pp_async *a, size_t i, const pp_values **vals,
                    pp_error *err)
{
    if (i >= a->n)
        return pp_error_set(err, PP_EINVAL, "no task %zu in this result", i);
    async_slot *s = &a->slots[i];
    if (!s->done)
        return pp_error_set(err, PP_ETIMEDOUT, "task %zu has not finished",
                            i);
    if (s->meta.status) {
        if (s->meta.engine >= 0)
            return pp_error_set(err, PP_EREMOTE, "engine %d: %s",
                                s->meta.engine, s->error);
        return pp_error_set(err, PP_EREMOTE, "%s", s->error);
    }
    *vals = &s->vals;
    return 0;
}

const pp_task_meta *pp_async_meta(const pp_async *a, size_t i)
{
    return i < a->n ? &a->slots[i].meta : NULL;
}

int pp_async_first_error(pp_async *a, pp_error *err)
{
    for (size_t i = 0; i < a->n; i++) {
        const pp_values *v;
        if (a->slots[i].done && a->slots[i].meta.status)
            return pp_async_result(a, i, &v, err);
    }
    return 0;
}

void pp_async_destroy(pp_async **a_p)
{
    pp_async *a = *a_p;
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++) {
        async_slot *s = &a->slots[i];
        if (!s->done && a->client)
            /* A result that arrives later must not find a freed slot. */
            free(pp_idmap_remove(&a->client->pending, s->id));
        pp_values_free(&s->vals);
        free(s->error);
    }
    free(a->slots);
    free(a);
    *a_p = NULL;
}
