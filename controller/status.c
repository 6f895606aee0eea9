/* status.c - what the controller tells about itself: the status JSON and
 * the list of engine ids clients ask for, the events it publishes, and the
 * counts of the messages it dropped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_internal.h"
#include "log.h"

/* Logs the first drop of each kind; later ones are only counted, so a
 * flood of garbage cannot flood the log too. */
void hub_count_drop(uint64_t *counter, const char *what,
                    const pp_error *err)
{
    if ((*counter)++ == 0)
        pp_warn("dropped a message %s (%s); further ones are counted "
                "silently",
                what, err->msg);
}

void hub_publish(hub *h, const char *event, int32_t engine,
                 const char *detail)
{
    /* jansson escapes the detail: a host name is the engine's to choose. */
    json_t *root = json_pack("{s:s, s:i, s:s}", "event", event, "engine",
                             engine, "detail", detail);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(root);
    pp_header hd = { .type = PP_MSG_EVENT, .id = pp_msg_id_next(),
                     .engine = engine, .t_submit = pp_now_ns() };
    pp_value v;
    pp_error err;
    if (text && pp_value_str(&v, text) == 0)
        pp_msg_send(h->events_sock, h->signer, NULL, 0, &hd, &v, 1, &err);
    free(text);
}

/* busy: running tasks; idle: none; late: a beat or more overdue (the
 * heart monitor declares it dead after heartbeat_misses of them);
 * unreachable: its connection dropped and the next is not there yet
 * (reach.c). */
static const char *engine_state(const hub *h, const hub_engine *e,
                                int64_t age_ns)
{
    if (e->unreachable_ns)
        return "unreachable";
    if (age_ns > (int64_t)(2 * h->cfg->heartbeat_s * 1e9))
        return "late";
    return e->outstanding > 0 ? "busy" : "idle";
}

struct json_t *hub_status_engines(hub *h)
{
    json_t *engines = json_array();
    int64_t now = pp_mono_ns();
    for (int32_t i = 0; engines && i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (!e->alive)
            continue;
        int64_t age = now - e->last_beat_ns;
        json_t *o = json_pack(
            "{s:i, s:s, s:I, s:s, s:i, s:i, s:I, s:f, s:{s:I, s:I, s:I}}",
            "id", e->id, "host", e->host, "pid", (json_int_t)e->pid, "state",
            engine_state(h, e, age), "outstanding", e->outstanding,
            "balanced_outstanding", e->balanced_outstanding,
            "tasks_done", (json_int_t)e->tasks_done, "last_beat_age_s",
            (double)age / 1e9, "dropped", "replayed",
            (json_int_t)e->refused[0], "stale", (json_int_t)e->refused[1],
            "other", (json_int_t)e->refused[2]);
        /* Only while it is not connected: for how long, and the direct
         * tasks waiting for it. */
        if (o && e->unreachable_ns) {
            json_object_set_new(
                o, "unreachable_s",
                json_real((double)(now - e->unreachable_ns) / 1e9));
            json_object_set_new(o, "held",
                                json_integer((json_int_t)e->nheld));
        }
        json_array_append_new(engines, o);
    }
    return engines;
}

/* The clients with tasks in the controller or results waiting for them,
 * named by the hash of their routing id (the id itself is the client's
 * to choose, and may be any bytes). */
static json_t *status_clients(hub *h)
{
    json_t *clients = json_array();
    for (size_t i = 0; clients && i < h->clients.cap; i++) {
        const hub_client *c = h->clients.vals[i];
        if (!c)
            continue;
        char name[17];
        snprintf(name, sizeof name, "%016llx", (unsigned long long)c->key);
        json_t *o = json_pack("{s:s, s:I, s:I, s:I}", "client", name, "tasks",
                              (json_int_t)c->tasks, "results_waiting",
                              (json_int_t)c->results, "parked",
                              (json_int_t)c->nparked);
        hub_http_client_extend(h, c->key, o);
        json_array_append_new(clients, o);
    }
    return clients;
}

struct json_t *hub_status_object(hub *h)
{
    json_t *engines = hub_status_engines(h);
    json_t *root = json_pack(
        "{s:I, s:f, s:s, s:i, s:o, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
        "pid", (json_int_t)getpid(), "uptime_s",
        (double)(pp_mono_ns() - h->started_ns) / 1e9, "scheme",
        h->policy->name, "hwm", h->cfg->hwm, "engines", engines,
        "tasks_queued", (json_int_t)h->queued, "tasks_outstanding",
        (json_int_t)h->tasks.n, "tasks_done", (json_int_t)h->tasks_done,
        "tasks_failed", (json_int_t)h->tasks_failed, "tasks_retried",
        (json_int_t)h->tasks_retried, "tasks_lost", (json_int_t)h->tasks_lost,
        "tasks_aborted", (json_int_t)h->tasks_aborted,
        "results_waiting",
        (json_int_t)hub_results_waiting(h), "dropped", "bad_signature",
        (json_int_t)h->drops.bad_signature, "malformed",
        (json_int_t)h->drops.malformed, "unknown_sender",
        (json_int_t)h->drops.unknown_sender, "replayed",
        (json_int_t)h->drops.replayed, "stale", (json_int_t)h->drops.stale,
        "over_backlog", (json_int_t)h->drops.over_backlog, "curve_refused",
        (json_int_t)h->drops.curve_refused, "unread",
        (json_int_t)h->drops.unread);
    if (root) {
        json_object_set_new(root, "clients", status_clients(h));
        hub_http_status_extend(h, root);
    }
    return root;
}

static char *status_json(hub *h)
{
    json_t *root = hub_status_object(h);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(root);
    return text;
}

/* The ids of the engines alive, in the order they registered. */
void hub_reply_ids(hub *h, zmq_msg_t *client, pp_header *rep)
{
    int64_t *ids = malloc((size_t)h->nengines * sizeof *ids + 1);
    size_t n = 0;
    for (int32_t i = 0; ids && i < h->nengines; i++)
        if (h->engines[i].alive)
            ids[n++] = h->engines[i].id;
    pp_value v;
    if (ids) {
        pp_value_take(&v, PP_T_I64, ids, n * sizeof *ids);
        hub_client_reply(h, zmq_msg_data(client), zmq_msg_size(client),
                         rep, &v, 1);
    }
}

void hub_reply_status(hub *h, zmq_msg_t *client, pp_header *rep)
{
    char *text = status_json(h);
    pp_value v;
    if (text) {
        pp_value_take(&v, PP_T_STR, text, strlen(text));
        hub_client_reply(h, zmq_msg_data(client), zmq_msg_size(client),
                         rep, &v, 1);
    }
}
