/* hub.c - the controller's event loop.
 *
 * Two ROUTER sockets: engines connect to one, clients to the other.  Task
 * messages are verified, then forwarded frame for frame (payloads are never
 * copied or re-encoded); the hub remembers which client asked so the result
 * finds its way back. */
#include "hub.h"

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
#include <unistd.h>

#include "connfile.h"
#include "files.h"
#include "idmap.h"
#include "log.h"
#include "wire.h"

#define RID_MAX 64

typedef struct hub_engine {
    int32_t id;
    bool alive;
    uint8_t rid[RID_MAX];
    size_t rid_len;
    char host[64];
    long pid;
    int outstanding;
    uint64_t tasks_done;
    int64_t registered_ns;
} hub_engine;

typedef struct hub_task {
    uint64_t id;
    uint8_t client[RID_MAX];
    size_t client_len;
    int32_t engine;
    uint8_t kind;
    char name[PP_NAME_MAX];
    int64_t t_submit;
} hub_task;

/* What the hub refused, by reason; `driver cluster status` shows them. */
typedef struct hub_drops {
    uint64_t bad_signature;
    uint64_t malformed;
    uint64_t unknown_sender;
} hub_drops;

typedef struct hub {
    void *ctx;
    void *engines_sock;
    void *clients_sock;
    pp_signer *signer;
    hub_engine *engines; /* indexed by id; ids are never reused */
    int32_t nengines;
    int32_t cap_engines;
    pp_idmap tasks;
    hub_drops drops;
    uint64_t tasks_done;
    int64_t started_ns;
    int32_t next_rr; /* where the next balanced choice starts looking */
} hub;

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

static void reply_error(hub *h, void *sock, zmq_msg_t *route,
                        const pp_header *req, int32_t engine, int code,
                        const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void reply_error(hub *h, void *sock, zmq_msg_t *route,
                        const pp_header *req, int32_t engine, int code,
                        const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    pp_error err;
    if (pp_msg_send_error(sock, h->signer, zmq_msg_data(route),
                          zmq_msg_size(route), req, engine, code, text, &err))
        pp_warn("could not send an error reply: %s", err.msg);
}

/* Tells the client that asked that its task will never finish, and
 * forgets the task.  Nothing is dropped silently. */
static void fail_task(hub *h, hub_task *t, const char *why)
{
    pp_header req = {
        .type = PP_MSG_TASK,
        .kind = t->kind,
        .id = t->id,
        .t_submit = t->t_submit,
    };
    memcpy(req.name, t->name, sizeof req.name);
    pp_error err;
    if (pp_msg_send_error(h->clients_sock, h->signer, t->client,
                          t->client_len, &req, t->engine, PP_EREMOTE, why,
                          &err))
        pp_warn("could not report a failed task: %s", err.msg);
    pp_idmap_remove(&h->tasks, t->id);
    free(t);
}

static void engine_gone(hub *h, hub_engine *e, const char *how)
{
    e->alive = false;
    pp_info("engine %d %s (%d task%s outstanding)", e->id, how,
            e->outstanding, e->outstanding == 1 ? "" : "s");
    if (e->outstanding == 0)
        return;
    /* Collect first: failing a task edits the map being walked. */
    size_t n = 0;
    hub_task **lost = malloc(h->tasks.n * sizeof *lost + 1);
    for (size_t i = 0; lost && i < h->tasks.cap; i++) {
        hub_task *t = h->tasks.vals[i];
        if (t && t->engine == e->id)
            lost[n++] = t;
    }
    char why[160];
    snprintf(why, sizeof why, "engine %d %s before finishing the task",
             e->id, how);
    for (size_t i = 0; i < n; i++)
        fail_task(h, lost[i], why);
    free(lost);
    e->outstanding = 0;
}

static void on_register(hub *h, pp_frames *fr, const pp_header *req)
{
    zmq_msg_t *rid = &fr->route[0];
    size_t rid_len = zmq_msg_size(rid);
    if (rid_len == 0 || rid_len > RID_MAX)
        return;
    hub_engine *old = engine_by_rid(h, zmq_msg_data(rid), rid_len);
    if (old)
        engine_gone(h, old, "registered again");
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
    e->registered_ns = pp_now_ns();
    snprintf(e->host, sizeof e->host, "?");
    if (req->nvalues >= 1 && req->types[0] == PP_T_STR) {
        zmq_msg_t *m = &fr->body[3];
        size_t len = zmq_msg_size(m) < sizeof e->host - 1
                         ? zmq_msg_size(m)
                         : sizeof e->host - 1;
        memcpy(e->host, zmq_msg_data(m), len);
        e->host[len] = '\0';
    }
    if (req->nvalues >= 2 && req->types[1] == PP_T_I64
        && zmq_msg_size(&fr->body[4]) == 8) {
        int64_t pid;
        memcpy(&pid, zmq_msg_data(&fr->body[4]), 8);
        e->pid = (long)pid;
    }
    pp_header rep = {
        .type = PP_MSG_REGISTERED,
        .id = pp_msg_id_next(),
        .parent = req->id,
        .engine = e->id,
    };
    pp_error err;
    if (pp_msg_send(h->engines_sock, h->signer, e->rid, e->rid_len, &rep,
                    NULL, 0, &err))
        pp_warn("could not answer engine %d: %s", e->id, err.msg);
    pp_info("engine %d registered (%s, pid %ld)", e->id, e->host, e->pid);
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
        count_drop(strstr(err.msg, "signature") ? &h->drops.bad_signature
                                                 : &h->drops.malformed,
                   "from an engine", &err);
        pp_frames_close(&fr);
        return;
    }
    if (hd.type == PP_MSG_REGISTER) {
        on_register(h, &fr, &hd);
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
    switch (hd.type) {
    case PP_MSG_RESULT: {
        hub_task *t = pp_idmap_remove(&h->tasks, hd.parent);
        if (!t || t->engine != e->id) {
            pp_debug("result for unknown task %016llx from engine %d",
                     (unsigned long long)hd.parent, e->id);
            if (t)
                pp_idmap_put(&h->tasks, t->id, t);
            pp_frames_close(&fr);
            return;
        }
        e->outstanding--;
        e->tasks_done++;
        h->tasks_done++;
        if (pp_frames_send(h->clients_sock, &fr, t->client, t->client_len,
                           &err))
            pp_warn("could not pass a result to its client: %s", err.msg);
        free(t);
        break;
    }
    case PP_MSG_UNREGISTER: {
        zmq_msg_t route;
        zmq_msg_init(&route);
        zmq_msg_copy(&route, &fr.route[0]);
        engine_gone(h, e, "unregistered");
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
    case PP_MSG_HEARTBEAT:
        break;
    default: {
        pp_error e2;
        pp_error_set(&e2, PP_EPROTO, "type %u is not for engines", hd.type);
        count_drop(&h->drops.malformed, "from an engine", &e2);
    }
    }
    pp_frames_close(&fr);
}

/* The balanced choice for now: the alive engine with the fewest tasks
 * outstanding, ties broken round-robin. */
static hub_engine *choose_engine(hub *h)
{
    hub_engine *best = NULL;
    for (int32_t k = 0; k < h->nengines; k++) {
        int32_t i = (h->next_rr + k) % h->nengines;
        hub_engine *e = &h->engines[i];
        if (e->alive && (!best || e->outstanding < best->outstanding))
            best = e;
    }
    if (best)
        h->next_rr = (best->id + 1) % h->nengines;
    return best;
}

static void on_task(hub *h, pp_frames *fr, const pp_header *hd)
{
    zmq_msg_t *client = &fr->route[0];
    hub_engine *e = hd->engine >= 0 ? engine_by_id(h, hd->engine)
                                    : choose_engine(h);
    if (!e) {
        if (hd->engine >= 0)
            reply_error(h, h->clients_sock, client, hd, hd->engine,
                        PP_ENOENT, "no engine %d is registered",
                        hd->engine);
        else
            reply_error(h, h->clients_sock, client, hd, -1, PP_ENOENT,
                        "no engines are registered");
        return;
    }
    if (pp_idmap_get(&h->tasks, hd->id)) {
        reply_error(h, h->clients_sock, client, hd, e->id, PP_EINVAL,
                    "task id %016llx is already in use",
                    (unsigned long long)hd->id);
        return;
    }
    hub_task *t = malloc(sizeof *t);
    if (!t || zmq_msg_size(client) > RID_MAX) {
        free(t);
        reply_error(h, h->clients_sock, client, hd, e->id, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    t->id = hd->id;
    t->client_len = zmq_msg_size(client);
    memcpy(t->client, zmq_msg_data(client), t->client_len);
    t->engine = e->id;
    t->kind = hd->kind;
    memcpy(t->name, hd->name, sizeof t->name);
    t->t_submit = hd->t_submit;
    if (pp_idmap_put(&h->tasks, t->id, t)) {
        free(t);
        reply_error(h, h->clients_sock, client, hd, e->id, PP_ENOMEM,
                    "the controller could not take the task");
        return;
    }
    pp_error err;
    /* The engine learns which engine it is from its registration; a
     * balanced task's header still says -1 and is forwarded unchanged, so
     * the client's signature stays valid. */
    if (pp_frames_send(h->engines_sock, fr, e->rid, e->rid_len, &err)) {
        pp_idmap_remove(&h->tasks, t->id);
        free(t);
        pp_warn("could not pass a task to engine %d: %s", e->id, err.msg);
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
            engines, json_pack("{s:i, s:s, s:I, s:i, s:I}", "id", e->id,
                               "host", e->host, "pid", (json_int_t)e->pid,
                               "outstanding", e->outstanding, "tasks_done",
                               (json_int_t)e->tasks_done));
    }
    json_t *root = json_pack(
        "{s:I, s:f, s:o, s:I, s:I, s:{s:I, s:I, s:I}}", "pid",
        (json_int_t)getpid(), "uptime_s",
        (double)(pp_now_ns() - h->started_ns) / 1e9, "engines", engines,
        "tasks_outstanding", (json_int_t)h->tasks.n, "tasks_done",
        (json_int_t)h->tasks_done, "dropped", "bad_signature",
        (json_int_t)h->drops.bad_signature, "malformed",
        (json_int_t)h->drops.malformed, "unknown_sender",
        (json_int_t)h->drops.unknown_sender);
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
        count_drop(strstr(err.msg, "signature") ? &h->drops.bad_signature
                                                 : &h->drops.malformed,
                   "from a client", &err);
        pp_frames_close(&fr);
        return;
    }
    zmq_msg_t *client = &fr.route[0];
    pp_header rep = {
        .type = hd.type,
        .id = pp_msg_id_next(),
        .parent = hd.id,
        .engine = -1,
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
            pp_msg_send(h->clients_sock, h->signer, zmq_msg_data(client),
                        zmq_msg_size(client), &rep, &v, 1, &err);
        }
        break;
    }
    case PP_MSG_STATUS: {
        char *text = status_json(h);
        pp_value v;
        if (text) {
            pp_value_take(&v, PP_T_STR, text, strlen(text));
            pp_msg_send(h->clients_sock, h->signer, zmq_msg_data(client),
                        zmq_msg_size(client), &rep, &v, 1, &err);
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

static void hub_close(hub *h)
{
    for (size_t i = 0; i < h->tasks.cap; i++)
        free(h->tasks.vals[i]);
    pp_idmap_free(&h->tasks);
    free(h->engines);
    pp_signer_destroy(&h->signer);
    int linger = 200;
    if (h->engines_sock) {
        zmq_setsockopt(h->engines_sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(h->engines_sock);
    }
    if (h->clients_sock) {
        zmq_setsockopt(h->clients_sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(h->clients_sock);
    }
    if (h->ctx)
        zmq_ctx_term(h->ctx);
}

int hub_run(const hub_config *cfg, pp_error *err)
{
    hub h = { .started_ns = pp_now_ns() };
    pp_conninfo ci = { 0 };
    char engine_path[PP_PATH_MAX], client_path[PP_PATH_MAX];
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

    h.signer = pp_signer_new(ci.key, sizeof ci.key, err);
    h.ctx = zmq_ctx_new();
    if (!h.signer || !h.ctx) {
        hub_close(&h);
        return err->code ? err->code
                         : pp_error_set(err, PP_EZMQ, "no ZeroMQ context");
    }
    h.engines_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    h.clients_sock = zmq_socket(h.ctx, ZMQ_ROUTER);
    int one = 1;
    /* A result for a client that has gone must not block the hub. */
    zmq_setsockopt(h.clients_sock, ZMQ_ROUTER_MANDATORY, &(int){ 0 },
                   sizeof(int));
    zmq_setsockopt(h.engines_sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    const char *bind_ip = strcmp(cfg->ip, "*") == 0 ? "0.0.0.0" : cfg->ip;
    rc = bind_port(h.engines_sock, bind_ip, reused ? ci.engine_port : 0,
                   &ci.engine_port, err);
    if (!rc)
        rc = bind_port(h.clients_sock, bind_ip, reused ? ci.client_port : 0,
                       &ci.client_port, err);
    if (!rc)
        rc = write_files(cfg, &ci, engine_path, client_path, err);
    if (rc) {
        hub_close(&h);
        return rc;
    }
    pp_info("listening on %s ports %d (engines) and %d (clients)%s", cfg->ip,
            ci.engine_port, ci.client_port, reused ? ", reused" : "");
    pp_info("wrote %s and %s", engine_path, client_path);

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    zmq_pollitem_t items[] = {
        { h.engines_sock, 0, ZMQ_POLLIN, 0 },
        { h.clients_sock, 0, ZMQ_POLLIN, 0 },
    };
    while (!hub_stop) {
        int n = zmq_poll(items, 2, 1000);
        if (n < 0) {
            if (zmq_errno() == EINTR)
                continue;
            pp_err("poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        /* Drain in batches so one busy side cannot starve the other. */
        for (int k = 0; k < 64 && (items[0].revents & ZMQ_POLLIN); k++) {
            on_engine_message(&h);
            int ev = 0;
            size_t len = sizeof ev;
            zmq_getsockopt(h.engines_sock, ZMQ_EVENTS, &ev, &len);
            if (!(ev & ZMQ_POLLIN))
                break;
        }
        for (int k = 0; k < 64 && (items[1].revents & ZMQ_POLLIN); k++) {
            on_client_message(&h);
            int ev = 0;
            size_t len = sizeof ev;
            zmq_getsockopt(h.clients_sock, ZMQ_EVENTS, &ev, &len);
            if (!(ev & ZMQ_POLLIN))
                break;
        }
    }
    pp_info("stopping (%llu tasks done)", (unsigned long long)h.tasks_done);
    if (!cfg->reuse) {
        unlink(engine_path);
        unlink(client_path);
    }
    hub_close(&h);
    return 0;
}
