/* hub.c - the controller's event loop.
 *
 * Two ROUTER sockets: engines connect to one, clients to the other; a PUB
 * socket tells whoever listens when engines come and go.  Task messages are
 * verified, then forwarded frame for frame (payloads are never copied or
 * re-encoded); the hub remembers which client asked so the result finds
 * its way back. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "connfile.h"
#include "files.h"
#include "hub_internal.h"
#include "log.h"

static volatile sig_atomic_t hub_stop;

static void on_signal(int sig)
{
    (void)sig;
    hub_stop = 1;
}

/* Logs the first drop of each kind; later ones are only counted, so a
 * flood of garbage cannot flood the log too. */
static void count_drop(uint64_t *counter, const char *what,
                       const pp_error *err)
{
    if ((*counter)++ == 0)
        pp_warn("dropped a message %s (%s); further ones are counted "
                "silently",
                what, err->msg);
}

/* Which count a message that failed pp_frames_verify goes to. */
static uint64_t *verify_counter(hub *h, const pp_error *err)
{
    if (strstr(err->msg, "replayed"))
        return &h->drops.replayed;
    if (strstr(err->msg, "clock"))
        return &h->drops.stale;
    if (strstr(err->msg, "signature"))
        return &h->drops.bad_signature;
    return &h->drops.malformed;
}

static int first_lan_address(char *out, size_t size)
{
    struct ifaddrs *ifs = NULL, *it;
    if (getifaddrs(&ifs))
        return -1;
    int rc = -1;
    for (it = ifs; it; it = it->ifa_next) {
        if (!it->ifa_addr || it->ifa_addr->sa_family != AF_INET
            || (it->ifa_flags & IFF_LOOPBACK) || !(it->ifa_flags & IFF_UP))
            continue;
        struct sockaddr_in *sin = (struct sockaddr_in *)it->ifa_addr;
        if (inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)size)) {
            rc = 0;
            break;
        }
    }
    freeifaddrs(ifs);
    return rc;
}

static int bind_port(void *sock, const char *ip, int port, int *bound,
                     pp_error *err)
{
    char ep[320];
    if (port > 0)
        snprintf(ep, sizeof ep, "tcp://%s:%d", ip, port);
    else
        snprintf(ep, sizeof ep, "tcp://%s:*", ip);
    if (zmq_bind(sock, ep))
        return pp_error_set(err, PP_EZMQ, "cannot listen on %s: %s", ep,
                            zmq_strerror(zmq_errno()));
    char last[320];
    size_t len = sizeof last;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, last, &len);
    const char *colon = strrchr(last, ':');
    *bound = colon ? atoi(colon + 1) : 0;
    return 0;
}

static hub_engine *engine_by_id(hub *h, int32_t id)
{
    if (id < 0 || id >= h->nengines || !h->engines[id].alive)
        return NULL;
    return &h->engines[id];
}

static hub_engine *engine_by_rid(hub *h, const void *rid, size_t len)
{
    for (int32_t i = 0; i < h->nengines; i++)
        if (h->engines[i].alive && h->engines[i].rid_len == len
            && memcmp(h->engines[i].rid, rid, len) == 0)
            return &h->engines[i];
    return NULL;
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

/* The client's routing id is passed as bytes the caller owns, never as a
 * frame of the request: sending the request on consumes its frames. */
static void reply_error(hub *h, const uint8_t *rid, size_t rid_len,
                        const pp_header *req, int32_t engine, int code,
                        const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void reply_error(hub *h, const uint8_t *rid, size_t rid_len,
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
void hub_fail_task(hub *h, hub_task *t, int code, const char *why)
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
    pp_idmap_remove(&h->tasks, t->id);
    h->tasks_failed++;
    hub_task_free(h, t);
}

/* The engine is gone.  If it left cleanly it finished the task it was
 * running, so its balanced tasks were never started: they are handed back
 * to the queue.  If it died, its balanced tasks with retries left run
 * elsewhere.  The others are reported failed, naming the engine. */
void hub_engine_gone(hub *h, hub_engine *e, const char *how, bool clean)
{
    e->alive = false;
    pp_info("engine %d %s (%d task%s outstanding)", e->id, how,
            e->outstanding, e->outstanding == 1 ? "" : "s");
    hub_publish(h, "engine_gone", e->id, how);
    if (e->outstanding > 0) {
        /* Collect first: failing a task edits the map being walked. */
        size_t n = 0;
        hub_task **lost = malloc(h->tasks.n * sizeof *lost + 1);
        for (size_t i = 0; lost && i < h->tasks.cap; i++) {
            hub_task *t = h->tasks.vals[i];
            if (t && t->engine == e->id)
                lost[n++] = t;
        }
        /* The client puts "engine N: " in front of this. */
        char why[160];
        snprintf(why, sizeof why, "%s before finishing the task", how);
        for (size_t i = 0; i < n; i++) {
            free(lost[i]->last_error);
            lost[i]->last_error = strdup(why);
            if (clean ? !hub_hand_back(h, lost[i])
                      : !hub_retry(h, lost[i], e->id))
                hub_fail_task(h, lost[i], PP_EREMOTE, why);
        }
        free(lost);
    }
    e->outstanding = 0;
    e->balanced_outstanding = 0;
    hub_dispatch(h);
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
static void on_register(hub *h, pp_frames *fr, const pp_header *req)
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
static void on_heartbeat(hub *h, pp_frames *fr, const pp_header *hd)
{
    hub_engine *e = engine_by_id(h, hd->engine);
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
        pp_msg_send_error(h->engines_sock, h->signer, zmq_msg_data(route),
                          zmq_msg_size(route), &rep, hd->engine, PP_ENOENT,
                          "this controller does not know the engine; "
                          "register again",
                          &err);
}

static void on_result(hub *h, hub_engine *e, pp_frames *fr,
                      const pp_header *hd)
{
    hub_task *t = pp_idmap_get(&h->tasks, hd->parent);
    if (!t || t->engine != e->id) {
        pp_debug("result for unknown task %016llx from engine %d",
                 (unsigned long long)hd->parent, e->id);
        return;
    }
    e->outstanding--;
    if (t->balanced)
        e->balanced_outstanding--;
    e->last_done_ns = pp_mono_ns();
    if (hd->status && t->balanced && t->retries_left > 0) {
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
    e->tasks_done++;
    h->tasks_done++;
    pp_error err;
    if (pp_seal_renew(&fr->body[1], h->signer, &err))
        pp_warn("could not pass a result to its client: %s", err.msg);
    else /* before the task is freed: it counts until it is sent */
        hub_client_send(h, t->client, t->client_len, fr, true);
    hub_task_free(h, t);
    hub_dispatch(h);
}

static void on_engine_message(hub *h)
{
    pp_frames fr;
    pp_header hd;
    pp_error err;
    int rc = pp_frames_recv(h->engines_sock, &fr, ZMQ_DONTWAIT, &err);
    if (rc == PP_ETIMEDOUT || rc == PP_EINTR)
        return;
    if (rc) {
        count_drop(&h->drops.malformed, "from an engine", &err);
        return;
    }
    if (fr.nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        count_drop(&h->drops.malformed, "from an engine", &e2);
        pp_frames_close(&fr);
        return;
    }
    rc = pp_frames_verify(&fr, h->signer, &hd, &err);
    if (rc) {
        count_drop(verify_counter(h, &err), "from an engine", &err);
        pp_frames_close(&fr);
        return;
    }
    if (hd.type == PP_MSG_REGISTER) {
        on_register(h, &fr, &hd);
        pp_frames_close(&fr);
        return;
    }
    if (hd.type == PP_MSG_HEARTBEAT) {
        on_heartbeat(h, &fr, &hd);
        pp_frames_close(&fr);
        return;
    }
    hub_engine *e = engine_by_rid(h, zmq_msg_data(&fr.route[0]),
                                  zmq_msg_size(&fr.route[0]));
    if (!e) {
        pp_error e2 = { .msg = "not registered" };
        count_drop(&h->drops.unknown_sender, "from an unknown engine", &e2);
        pp_frames_close(&fr);
        return;
    }
    e->last_beat_ns = pp_mono_ns();
    switch (hd.type) {
    case PP_MSG_RESULT:
        on_result(h, e, &fr, &hd);
        break;
    case PP_MSG_UNREGISTER: {
        /* The engine's count of REGISTERs sent: one its heart thread sent
         * before the engine stopped is older, and ignored. */
        if (hd.nvalues >= 1 && hd.types[0] == PP_T_I64
            && zmq_msg_size(&fr.body[3]) == sizeof(int64_t)) {
            int64_t attempts;
            memcpy(&attempts, zmq_msg_data(&fr.body[3]), sizeof attempts);
            if (attempts > e->attempt)
                e->attempt = attempts;
        }
        zmq_msg_t route;
        zmq_msg_init(&route);
        zmq_msg_copy(&route, &fr.route[0]);
        hub_engine_gone(h, e, "unregistered", true);
        pp_header rep = {
            .type = PP_MSG_UNREGISTER,
            .id = pp_msg_id_next(),
            .parent = hd.id,
            .engine = e->id,
        };
        pp_msg_send(h->engines_sock, h->signer, zmq_msg_data(&route),
                    zmq_msg_size(&route), &rep, NULL, 0, &err);
        zmq_msg_close(&route);
        break;
    }
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for engines", hd.type);
        count_drop(&h->drops.malformed, "from an engine", &e2);
    }
    }
    pp_frames_close(&fr);
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

static void on_task(hub *h, pp_frames *fr, const pp_header *hd)
{
    /* A copy: forwarding the task closes fr's frames, and an error reply
     * after a failed send still needs to know whom to answer. */
    uint8_t client[RID_MAX];
    size_t client_len = zmq_msg_size(&fr->route[0]);
    if (client_len == 0 || client_len > RID_MAX) {
        pp_error e2 = { .msg = "a routing id longer than the controller keeps" };
        count_drop(&h->drops.malformed, "from a client", &e2);
        return;
    }
    memcpy(client, zmq_msg_data(&fr->route[0]), client_len);
    if (pp_idmap_get(&h->tasks, hd->id)) {
        reply_error(h, client, client_len, hd, -1, PP_EINVAL,
                    "task id %016llx is already in use",
                    (unsigned long long)hd->id);
        return;
    }
    /* Checked before it is multiplied into nanoseconds. */
    if (hd->timeout_ms < 0 || hd->timeout_ms > HUB_TIMEOUT_MAX_MS) {
        reply_error(h, client, client_len, hd, hd->engine, PP_EINVAL,
                    "a task's start timeout must be 0 to %lld ms, not %lld",
                    (long long)HUB_TIMEOUT_MAX_MS, (long long)hd->timeout_ms);
        return;
    }
    if (h->cfg->backlog > 0) {
        /* Looked up, not made: a refused task must leave nothing behind.
         * Results waiting for a client that does not read count too. */
        if (hub_client_load(h, client, client_len)
            >= (size_t)h->cfg->backlog) {
            h->drops.over_backlog++;
            reply_error(h, client, client_len, hd, hd->engine, PP_EINVAL,
                        "the controller already holds %lld tasks of this "
                        "client (its --backlog); wait for results before "
                        "submitting more",
                        (long long)h->cfg->backlog);
            return;
        }
    }
    if (hd->engine < 0) {
        hub_task *t = task_new(h, fr, hd);
        if (t) {
            t->balanced = true;
            if (task_keep_body(t, fr) == 0
                && hub_queue_push(&h->queue, t, false) == 0) {
                hub_dispatch(h);
                return;
            }
            pp_idmap_remove(&h->tasks, t->id);
            hub_task_free(h, t);
        }
        reply_error(h, client, client_len, hd, -1, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    hub_engine *e = engine_by_id(h, hd->engine);
    if (!e) {
        reply_error(h, client, client_len, hd, hd->engine, PP_ENOENT,
                    "no engine %d is registered", hd->engine);
        return;
    }
    hub_task *t = task_new(h, fr, hd);
    if (!t) {
        reply_error(h, client, client_len, hd, e->id, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    t->engine = e->id;
    pp_error err;
    if (pp_seal_renew(&fr->body[1], h->signer, &err)) {
        pp_idmap_remove(&h->tasks, t->id);
        hub_task_free(h, t);
        reply_error(h, client, client_len, hd, e->id, PP_EPROTO,
                    "the controller could not seal the task: %s", err.msg);
        return;
    }
    if (pp_frames_send(h->engines_sock, fr, e->rid, e->rid_len, &err)) {
        /* ZMQ_ROUTER_MANDATORY: the engine's connection is gone (killed,
         * unplugged) though its heartbeats have not run out yet. */
        pp_idmap_remove(&h->tasks, t->id);
        hub_task_free(h, t);
        char how[96];
        snprintf(how, sizeof how,
                 "is not connected (its last heartbeat was %.1f s ago)",
                 (double)(pp_mono_ns() - e->last_beat_ns) / 1e9);
        /* The client names the engine in front of this. */
        reply_error(h, client, client_len, hd, e->id, PP_EREMOTE, "%s",
                    how + strlen("is "));
        hub_engine_gone(h, e, how, false);
        return;
    }
    e->outstanding++;
}

static char *status_json(hub *h)
{
    json_t *engines = json_array();
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (!e->alive)
            continue;
        json_array_append_new(
            engines,
            json_pack("{s:i, s:s, s:I, s:i, s:I, s:{s:I, s:I, s:I}}", "id",
                      e->id, "host", e->host, "pid", (json_int_t)e->pid,
                      "outstanding", e->outstanding, "tasks_done",
                      (json_int_t)e->tasks_done, "dropped", "replayed",
                      (json_int_t)e->refused[0], "stale",
                      (json_int_t)e->refused[1], "other",
                      (json_int_t)e->refused[2]));
    }
    json_t *root = json_pack(
        "{s:I, s:f, s:s, s:i, s:o, s:I, s:I, s:I, s:I, s:I, "
        "s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
        "pid", (json_int_t)getpid(), "uptime_s",
        (double)(pp_mono_ns() - h->started_ns) / 1e9, "scheme",
        h->policy->name, "hwm", h->cfg->hwm, "engines", engines,
        "tasks_queued", (json_int_t)h->queue.live, "tasks_outstanding",
        (json_int_t)h->tasks.n, "tasks_done", (json_int_t)h->tasks_done,
        "tasks_failed", (json_int_t)h->tasks_failed, "tasks_retried",
        (json_int_t)h->tasks_retried, "results_waiting",
        (json_int_t)hub_results_waiting(h), "dropped", "bad_signature",
        (json_int_t)h->drops.bad_signature, "malformed",
        (json_int_t)h->drops.malformed, "unknown_sender",
        (json_int_t)h->drops.unknown_sender, "replayed",
        (json_int_t)h->drops.replayed, "stale", (json_int_t)h->drops.stale,
        "over_backlog", (json_int_t)h->drops.over_backlog, "curve_refused",
        (json_int_t)h->drops.curve_refused, "unread",
        (json_int_t)h->drops.unread);
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(root);
    return text;
}

static void on_client_message(hub *h)
{
    pp_frames fr;
    pp_header hd;
    pp_error err;
    int rc = pp_frames_recv(h->clients_sock, &fr, ZMQ_DONTWAIT, &err);
    if (rc == PP_ETIMEDOUT || rc == PP_EINTR)
        return;
    if (rc) {
        count_drop(&h->drops.malformed, "from a client", &err);
        return;
    }
    if (fr.nroute != 1) {
        pp_error e2 = { .msg = "no routing id" };
        count_drop(&h->drops.malformed, "from a client", &e2);
        pp_frames_close(&fr);
        return;
    }
    rc = pp_frames_verify(&fr, h->signer, &hd, &err);
    if (rc) {
        count_drop(verify_counter(h, &err), "from a client", &err);
        pp_frames_close(&fr);
        return;
    }
    zmq_msg_t *client = &fr.route[0];
    /* t_start names this controller's run: a client that sees it change
     * knows its tasks in flight died with the previous one. */
    pp_header rep = {
        .type = hd.type,
        .id = pp_msg_id_next(),
        .parent = hd.id,
        .engine = -1,
        .t_start = h->run_ns,
    };
    switch (hd.type) {
    case PP_MSG_TASK:
        on_task(h, &fr, &hd);
        break;
    case PP_MSG_IDS: {
        int64_t *ids = malloc((size_t)h->nengines * sizeof *ids + 1);
        size_t n = 0;
        for (int32_t i = 0; ids && i < h->nengines; i++)
            if (h->engines[i].alive)
                ids[n++] = h->engines[i].id;
        pp_value v;
        if (ids) {
            pp_value_take(&v, PP_T_I64, ids, n * sizeof *ids);
            hub_client_reply(h, zmq_msg_data(client), zmq_msg_size(client),
                             &rep, &v, 1);
        }
        break;
    }
    case PP_MSG_STATUS: {
        char *text = status_json(h);
        pp_value v;
        if (text) {
            pp_value_take(&v, PP_T_STR, text, strlen(text));
            hub_client_reply(h, zmq_msg_data(client), zmq_msg_size(client),
                             &rep, &v, 1);
        }
        break;
    }
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for clients", hd.type);
        count_drop(&h->drops.malformed, "from a client", &e2);
    }
    }
    pp_frames_close(&fr);
}

/* The controller did not run for late ns (stopped with SIGSTOP, starved
 * of CPU): the beats that engines sent meanwhile wait unread, so that time
 * is not held against them.  (Engines that gave up on the controller
 * meanwhile register again in place: on_register.) */
static void forgive_stall(hub *h, int64_t late, int64_t now)
{
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        if (e->alive)
            e->last_beat_ns = e->last_beat_ns + late < now
                                  ? e->last_beat_ns + late
                                  : now;
    }
    pp_info("this controller did not run for %.1f s; engines get that "
            "time back",
            (double)late / 1e9);
}

/* Notes that the controller runs now, allowed_ns after it last looked
 * (the wait it asked of poll; 0 between messages).  Much later than that,
 * it was not running: checked before each message too, since one stopped
 * mid-batch finds the REGISTERs of the engines that gave up on it next in
 * line. */
static void hub_observe(hub *h, int64_t allowed_ns)
{
    int64_t now = pp_mono_ns();
    int64_t late = now - h->awake_ns - allowed_ns;
    if (late > h->stall_limit_ns)
        forgive_stall(h, late, now);
    h->awake_ns = now;
}

/* Engines whose heart stopped beating are dead; their tasks run
 * elsewhere or are reported failed. */
static void check_hearts(hub *h, int64_t now)
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

static int write_files(const hub_config *cfg, const pp_conninfo *ci,
                       char *engine_path, char *client_path, pp_error *err)
{
    char dir[PP_PATH_MAX];
    int rc = pp_profile_path(cfg->profile, "security", "engine.json",
                             engine_path, PP_PATH_MAX, err);
    if (!rc)
        rc = pp_profile_path(cfg->profile, "security", "client.json",
                             client_path, PP_PATH_MAX, err);
    if (!rc)
        rc = pp_profile_dir(cfg->profile, dir, sizeof dir, err);
    if (rc)
        return rc;
    strncat(dir, "/security", sizeof dir - strlen(dir) - 1);
    rc = pp_mkdirs(dir, 0700, err);
    if (!rc)
        rc = pp_conninfo_write(engine_path, ci, err);
    if (!rc)
        rc = pp_conninfo_write(client_path, ci, err);
    return rc;
}

static void close_socket(void *sock)
{
    if (!sock)
        return;
    int linger = 200;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(sock);
}

static void hub_close(hub *h)
{
    for (size_t i = 0; i < h->tasks.cap; i++)
        if (h->tasks.vals[i])
            hub_task_free(h, h->tasks.vals[i]);
    pp_idmap_free(&h->tasks);
    hub_clients_free(h);
    hub_queue_free(&h->queue);
    free(h->engines);
    pp_signer_destroy(&h->signer);
    close_socket(h->engines_sock);
    close_socket(h->clients_sock);
    close_socket(h->events_sock);
    close_socket(h->zap_sock);
    if (h->ctx)
        zmq_ctx_term(h->ctx);
}

static void drain(hub *h, void *sock, void (*handle)(hub *))
{
    /* A batch at a time, so one busy side cannot starve the other. */
    for (int k = 0; k < 256; k++) {
        hub_observe(h, 0);
        handle(h);
        int ev = 0;
        size_t len = sizeof ev;
        zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &len);
        if (!(ev & ZMQ_POLLIN))
            break;
    }
}

int hub_run(const hub_config *cfg, pp_error *err)
{
    hub h = { .cfg = cfg, .started_ns = pp_mono_ns(), .run_ns = pp_now_ns() };
    /* Before the files exist: whoever sees them may signal us at once,
     * and must get a clean exit (files removed), not a default death. */
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    pp_conninfo ci = { 0 };
    char engine_path[PP_PATH_MAX], client_path[PP_PATH_MAX];
    h.policy = sched_policy_find(cfg->scheme);
    if (!h.policy)
        return pp_error_set(err, PP_EINVAL,
                            "--scheme: '%s' is not one of %s", cfg->scheme,
                            sched_policy_names());
    if (getrandom(&h.rng, sizeof h.rng, 0) != sizeof h.rng || !h.rng)
        h.rng = (uint64_t)pp_now_ns() | 1;
    int rc = pp_profile_path(cfg->profile, "security", "engine.json",
                             engine_path, sizeof engine_path, err);
    if (rc)
        return rc;

    /* Two controllers on one profile would overwrite each other's files
     * and strand each other's engines. */
    pp_conninfo other;
    pp_error ignored;
    if (pp_conninfo_read(engine_path, &other, &ignored) == 0
        && other.controller_pid > 0 && other.controller_pid != getpid()
        && pp_pid_alive(other.controller_pid))
        return pp_error_set(err, PP_EINVAL,
                            "another controller (pid %ld) is running with "
                            "profile '%s' (%s); stop it first or choose "
                            "another --profile",
                            other.controller_pid, cfg->profile, engine_path);

    bool reused = false;
    if (cfg->reuse && access(engine_path, F_OK) == 0) {
        rc = pp_conninfo_read(engine_path, &ci, err);
        if (rc) {
            pp_error_prefix(err, "--reuse: ");
            return rc;
        }
        reused = true;
    } else {
        rc = pp_key_generate(ci.key, err);
        if (rc)
            return rc;
    }
    snprintf(ci.ip, sizeof ci.ip, "%s", cfg->ip);
    if (cfg->location)
        snprintf(ci.location, sizeof ci.location, "%s", cfg->location);
    else if (strcmp(cfg->ip, "*") && strcmp(cfg->ip, "0.0.0.0"))
        snprintf(ci.location, sizeof ci.location, "%s", cfg->ip);
    else if (first_lan_address(ci.location, sizeof ci.location))
        snprintf(ci.location, sizeof ci.location, "127.0.0.1");
    ci.controller_pid = (long)getpid();
    ci.clock_window_s = cfg->clock_window_s;
    ci.max_message = cfg->max_message;

    h.signer = pp_signer_new(ci.key, sizeof ci.key, err);
    if (h.signer)
        pp_signer_set_clock_window(h.signer, cfg->clock_window_s);
    h.ctx = zmq_ctx_new();
    if (!h.signer || !h.ctx) {
        hub_close(&h);
        return err->code ? err->code
                         : pp_error_set(err, PP_EZMQ, "no ZeroMQ context");
    }
    h.engines_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    h.clients_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    h.events_sock = zmq_socket(h.ctx, ZMQ_PUB);
    int one = 1;
    zmq_setsockopt(h.engines_sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    /* A task sent to an engine that is gone must fail loudly, not vanish. */
    zmq_setsockopt(h.engines_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    pp_socket_unbounded(h.engines_sock);
    /* A client that does not read must not make the controller buffer
     * without bound: at most --backlog messages in ZeroMQ's pipe to it,
     * then sends fail with EAGAIN (never block, never drop) and outbox.c
     * keeps what waits, counted against the backlog. */
    int sndhwm = cfg->backlog > 0 && cfg->backlog < INT32_MAX
                     ? (int)cfg->backlog
                     : 0;
    int zero = 0;
    zmq_setsockopt(h.clients_sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(h.clients_sock, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(h.clients_sock, ZMQ_SNDTIMEO, &zero, sizeof zero);
    zmq_setsockopt(h.clients_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    /* ZeroMQ refuses a larger frame from its header, before reading it,
     * and drops that peer's connection. */
    zmq_setsockopt(h.engines_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    zmq_setsockopt(h.clients_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    const char *bind_ip = strcmp(cfg->ip, "*") == 0 ? "0.0.0.0" : cfg->ip;
    rc = hub_curve_setup(&h, &ci, reused, err);
    if (rc) {
        hub_close(&h);
        return rc;
    }
    rc = bind_port(h.engines_sock, bind_ip, reused ? ci.engine_port : 0,
                   &ci.engine_port, err);
    if (!rc)
        rc = bind_port(h.clients_sock, bind_ip, reused ? ci.client_port : 0,
                       &ci.client_port, err);
    if (!rc)
        rc = bind_port(h.events_sock, bind_ip, reused ? ci.events_port : 0,
                       &ci.events_port, err);
    if (!rc)
        rc = write_files(cfg, &ci, engine_path, client_path, err);
    if (rc) {
        hub_close(&h);
        return rc;
    }
    pp_info("listening on %s ports %d (engines), %d (clients) and %d "
            "(events)%s%s; scheme %s, hwm %d",
            cfg->ip, ci.engine_port, ci.client_port, ci.events_port,
            reused ? ", reused" : "", cfg->curve ? ", CurveZMQ" : "",
            h.policy->name, cfg->hwm);
    pp_info("wrote %s and %s", engine_path, client_path);

    zmq_pollitem_t items[] = {
        { h.engines_sock, 0, ZMQ_POLLIN, 0 },
        { h.clients_sock, 0, ZMQ_POLLIN, 0 },
        { h.zap_sock, 0, ZMQ_POLLIN, 0 },
    };
    int nitems = h.zap_sock ? 3 : 2;
    int64_t tick_ns = (int64_t)(cfg->heartbeat_s * 1e9 / 4);
    if (tick_ns < 10000000)
        tick_ns = 10000000;
    int64_t next_tick = pp_mono_ns() + tick_ns;
    h.stall_limit_ns = 4 * tick_ns;
    h.awake_ns = pp_mono_ns();
    bool blocked = false; /* some client's outbox is not empty */
    while (!hub_stop) {
        int64_t wait_ms = (next_tick - pp_mono_ns()) / 1000000;
        if (blocked && wait_ms > 10)
            wait_ms = 10;
        if (wait_ms < 0)
            wait_ms = 0;
        int n = zmq_poll(items, nitems, (long)wait_ms);
        /* Longer since the last wake-up than the wait and a few ticks of
         * work: the process was not running. */
        hub_observe(&h, wait_ms * 1000000);
        if (n < 0 && zmq_errno() != EINTR) {
            pp_err("poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        if (n > 0 && (items[0].revents & ZMQ_POLLIN))
            drain(&h, h.engines_sock, on_engine_message);
        if (n > 0 && (items[1].revents & ZMQ_POLLIN))
            drain(&h, h.clients_sock, on_client_message);
        if (n > 0 && nitems > 2 && (items[2].revents & ZMQ_POLLIN))
            hub_curve_answer(&h);
        blocked = h.nblocked ? hub_clients_flush(&h) : false;
        hub_observe(&h, 0);
        int64_t now = pp_mono_ns();
        if (now >= next_tick) {
            check_hearts(&h, now);
            /* Scanning a long queue every tick is for runs that asked
             * for start timeouts only. */
            if (h.timeouts_seen)
                hub_expire_queued(&h, now);
            next_tick = now + tick_ns;
        }
    }
    pp_info("stopping (%llu tasks done)", (unsigned long long)h.tasks_done);
    if (!cfg->reuse) {
        unlink(engine_path);
        unlink(client_path);
        if (cfg->curve) {
            char key_path[PP_PATH_MAX];
            if (pp_profile_path(cfg->profile, "security", "controller.key",
                                key_path, sizeof key_path, err) == 0)
                unlink(key_path);
        }
    }
    hub_close(&h);
    return 0;
}
