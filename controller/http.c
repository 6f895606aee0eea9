/* http.c - the status page (controller --http PORT): a small web server
 * (GNU libmicrohttpd) inside the controller's one loop, with a JSON API
 * beside it.
 *
 * No second thread: the server runs in libmicrohttpd's "external" mode
 * on an epoll fd that hub_step polls with the ZeroMQ sockets, so each
 * request is answered between two messages, from the hub's own state,
 * with nothing to lock.  Sockets are non-blocking and every answer is a
 * buffer built in full first: a slow or hostile peer costs the loop no
 * more than a send that would block, and libmicrohttpd's limits bound
 * what it may hold (memory per connection, connections, idle time).
 *
 * Routes (GET, and HEAD): / (the page), /api/status, /api/engines,
 * /api/tasks?since=SEQ, /api/results, /results/pi-pairs.png and
 * /results/pi-pairs.csv (the newest pi-pairs-<digits>.png / .csv of the
 * results directory: no path from the request ever reaches the file
 * system).  Peers beyond loopback must show the token. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_page.h"
#include "hub_internal.h"
#include "log.h"

#define HTTP_RING 1024          /* task completions kept for /api/tasks */
#define HTTP_CLIENTS 64         /* clients whose progress is followed */
#define HTTP_SAMPLES 6          /* a second apart: rates over ~5 s */
#define HTTP_MEMORY (16 * 1024) /* per connection: the request's headers */
#define HTTP_CONNECTIONS 64
#define HTTP_FILE_MAX (16 * 1024 * 1024)

typedef struct http_done {
    uint64_t seq;
    uint64_t task;
    uint64_t client;
    int32_t engine;
    bool ok;
    bool balanced;
    double ms; /* from taken in to result */
    char name[PP_NAME_MAX];
} http_done;

/* A client's completions since its current batch of tasks began. */
typedef struct http_client {
    uint64_t key; /* 0: slot free */
    uint64_t done, failed;
    bool finished; /* it had nothing left in the controller */
    int64_t last_ns;
} http_client;

typedef struct http_sample {
    int64_t t_ns;
    uint64_t done, failed, retried;
} http_sample;

/* Requests refused, by why; "oversized" the ones libmicrohttpd refused
 * itself for the memory limit (request line or headers), "bad_request"
 * the ones it could not parse and bad parameters, "slow" connections it
 * closed for idling past the timeout before a request was complete. */
typedef struct http_drops {
    uint64_t unauthorized, traversal, not_found, method, bad_request,
        oversized, slow;
} http_drops;

/* Per connection (libmicrohttpd's socket context). */
typedef struct http_conn {
    bool in_request; /* a request line seen, not yet answered */
    uint64_t answered;
    int64_t last_ns;
} http_conn;

struct hub_http {
    hub *h;
    struct MHD_Daemon *d;
    int fd;
    int64_t deadline_ns; /* when MHD_run is due without activity */
    int64_t timeout_ns;
    char token[33];
    char results_dir[PP_PATH_MAX];
    http_drops drops;
    uint64_t requests;
    http_done ring[HTTP_RING];
    uint64_t next_seq; /* of the next completion; the first is 1 */
    http_client clients[HTTP_CLIENTS];
    http_sample samples[HTTP_SAMPLES];
    int nsamples, sample_head;
};

/* --- completions, progress and rates ----------------------------------- */

static http_client *client_slot(struct hub_http *w, uint64_t key, bool make)
{
    http_client *oldest = &w->clients[0];
    for (int i = 0; i < HTTP_CLIENTS; i++) {
        http_client *c = &w->clients[i];
        if (c->key == key && key)
            return c;
        if (c->last_ns < oldest->last_ns)
            oldest = c;
    }
    if (!make)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    oldest->key = key;
    return oldest;
}

void hub_http_result(hub *h, hub_engine *e, pp_frames *fr,
                     const pp_header *hd)
{
    struct hub_http *w = h->http;
    hub_task *t = pp_idmap_get(&h->tasks, hd->parent);
    if (!w || !t || t->engine != e->id) {
        hub_task_result(h, e, fr, hd);
        return;
    }
    /* What the record needs, before the task is freed. */
    http_done d = { .task = t->id, .engine = e->id, .ok = hd->status == 0,
                    .balanced = t->balanced,
                    .ms = (double)(pp_mono_ns() - t->queued_ns) / 1e6,
                    .client = hub_client_key(t->client, t->client_len) };
    memcpy(d.name, t->name, sizeof d.name);
    d.name[sizeof d.name - 1] = '\0';
    uint8_t rid[RID_MAX];
    size_t rid_len = t->client_len;
    memcpy(rid, t->client, rid_len);

    hub_task_result(h, e, fr, hd);
    if (pp_idmap_get(&h->tasks, d.task))
        return; /* queued again for a retry: not done yet */
    d.seq = ++w->next_seq;
    w->ring[d.seq % HTTP_RING] = d;

    http_client *c = client_slot(w, d.client, true);
    if (c->finished) {
        c->done = c->failed = 0;
        c->finished = false;
    }
    c->done += d.ok;
    c->failed += !d.ok;
    c->last_ns = pp_mono_ns();
    hub_client *hc = hub_client_get(h, rid, rid_len, false);
    c->finished = !hc || hc->tasks == 0;
}

void hub_http_task_ended(hub *h, uint64_t client, bool finished)
{
    struct hub_http *w = h->http;
    if (!w)
        return;
    http_client *c = client_slot(w, client, true);
    if (c->finished) {
        c->done = c->failed = 0;
        c->finished = false;
    }
    c->failed++;
    c->last_ns = pp_mono_ns();
    c->finished = finished;
}

void hub_http_client_extend(hub *h, uint64_t key, json_t *o)
{
    if (!h->http || !o)
        return;
    http_client *c = client_slot(h->http, key, false);
    uint64_t done = 0, failed = 0;
    json_int_t tasks = json_integer_value(json_object_get(o, "tasks"));
    /* A finished batch followed by new tasks: a new batch, none done. */
    if (c && !(c->finished && tasks > 0)) {
        done = c->done;
        failed = c->failed;
    }
    double all = (double)(done + failed) + (double)tasks;
    json_object_set_new(o, "done", json_integer((json_int_t)done));
    json_object_set_new(o, "failed", json_integer((json_int_t)failed));
    /* Known only as far as the client has handed its tasks in: a map
     * sends all of its at once, so this is its progress. */
    json_object_set_new(o, "progress",
                        json_real(all > 0 ? (double)(done + failed) / all
                                          : 0));
}

static void take_sample(struct hub_http *w, int64_t now)
{
    int last = (w->sample_head + HTTP_SAMPLES - 1) % HTTP_SAMPLES;
    if (w->nsamples && now - w->samples[last].t_ns < 1000000000)
        return;
    w->samples[w->sample_head] = (http_sample){
        .t_ns = now, .done = w->h->tasks_done, .failed = w->h->tasks_failed,
        .retried = w->h->tasks_retried };
    w->sample_head = (w->sample_head + 1) % HTTP_SAMPLES;
    if (w->nsamples < HTTP_SAMPLES)
        w->nsamples++;
}

void hub_http_status_extend(hub *h, json_t *root)
{
    struct hub_http *w = h->http;
    if (!w)
        return;
    int64_t now = pp_mono_ns();
    double done = 0, failed = 0, retried = 0;
    if (w->nsamples) {
        int first = (w->sample_head + HTTP_SAMPLES - w->nsamples) % HTTP_SAMPLES;
        const http_sample *s = &w->samples[first];
        double dt = (double)(now - s->t_ns) / 1e9;
        if (dt > 0.5) {
            done = (double)(h->tasks_done - s->done) / dt;
            failed = (double)(h->tasks_failed - s->failed) / dt;
            retried = (double)(h->tasks_retried - s->retried) / dt;
        }
    }
    json_object_set_new(root, "rates",
                        json_pack("{s:f, s:f, s:f}", "done_per_s", done,
                                  "failed_per_s", failed, "retried_per_s",
                                  retried));
    json_t *dropped = json_object_get(root, "dropped");
    if (dropped)
        json_object_set_new(
            dropped, "http",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "unauthorized",
                      (json_int_t)w->drops.unauthorized, "traversal",
                      (json_int_t)w->drops.traversal, "not_found",
                      (json_int_t)w->drops.not_found, "method",
                      (json_int_t)w->drops.method, "bad_request",
                      (json_int_t)w->drops.bad_request, "oversized",
                      (json_int_t)w->drops.oversized, "slow",
                      (json_int_t)w->drops.slow));
    json_object_set_new(root, "http_requests",
                        json_integer((json_int_t)w->requests));
}

/* --- the results directory --------------------------------------------- */

/* "pi-pairs-<digits><ext>" and nothing else: no separators, no dots. */
static bool results_name(const char *name, const char *ext)
{
    const char *p = name + strlen("pi-pairs-");
    if (strncmp(name, "pi-pairs-", strlen("pi-pairs-")) != 0)
        return false;
    size_t digits = strspn(p, "0123456789");
    return digits > 0 && digits <= 20 && strcmp(p + digits, ext) == 0;
}

/* The newest regular file of the results directory named like
 * results_name, opened (symbolic links are not followed); -1 if none. */
static int results_open(const struct hub_http *w, const char *ext,
                        char *name, size_t size, struct stat *st)
{
    DIR *dir = opendir(w->results_dir);
    if (!dir)
        return -1;
    int best = -1;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!results_name(de->d_name, ext))
            continue;
        int fd = openat(dirfd(dir), de->d_name,
                        O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        struct stat s;
        if (fd < 0 || fstat(fd, &s) || !S_ISREG(s.st_mode)
            || s.st_size > HTTP_FILE_MAX
            || (best >= 0 && s.st_mtime <= st->st_mtime)) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        if (best >= 0)
            close(best);
        best = fd;
        *st = s;
        snprintf(name, size, "%.60s", de->d_name); /* <= 38 long */
    }
    closedir(dir);
    return best;
}

static json_t *results_entry(const struct hub_http *w, const char *ext)
{
    char name[64];
    struct stat st;
    int fd = results_open(w, ext, name, sizeof name, &st);
    if (fd < 0)
        return json_null();
    close(fd);
    return json_pack("{s:s, s:I, s:I}", "name", name, "mtime",
                     (json_int_t)st.st_mtime, "bytes",
                     (json_int_t)st.st_size);
}

/* --- answering ----------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *con, unsigned status,
                              const char *type, void *body, size_t len,
                              bool owned)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"pipar\"");
    enum MHD_Result rc = MHD_queue_response(con, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result answer_text(struct MHD_Connection *con,
                                   unsigned status, const char *text)
{
    return answer(con, status, "text/plain; charset=utf-8", (void *)text,
                  strlen(text), false);
}

static enum MHD_Result answer_json(struct MHD_Connection *con, json_t *root)
{
    char *text = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(root);
    if (!text)
        return answer_text(con, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "out of memory\n");
    return answer(con, MHD_HTTP_OK, "application/json", text, strlen(text),
                  true);
}

static enum MHD_Result answer_file(struct hub_http *w,
                                   struct MHD_Connection *con,
                                   const char *ext, const char *type)
{
    char name[64];
    struct stat st;
    int fd = results_open(w, ext, name, sizeof name, &st);
    if (fd < 0) {
        w->drops.not_found++;
        return answer_text(con, MHD_HTTP_NOT_FOUND,
                           "no pi-pairs results yet\n");
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return answer_text(con, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "could not read the results\n");
    }
    return answer(con, MHD_HTTP_OK, type, buf, got, true);
}

static json_t *tasks_since(struct hub_http *w, uint64_t since)
{
    uint64_t first = w->next_seq >= HTTP_RING ? w->next_seq - HTTP_RING + 1
                                              : 1;
    uint64_t from = since + 1 > first ? since + 1 : first;
    json_t *tasks = json_array();
    for (uint64_t s = from; tasks && s <= w->next_seq; s++) {
        const http_done *d = &w->ring[s % HTTP_RING];
        char task[17], client[17];
        snprintf(task, sizeof task, "%016llx", (unsigned long long)d->task);
        snprintf(client, sizeof client, "%016llx",
                 (unsigned long long)d->client);
        json_array_append_new(
            tasks, json_pack("{s:I, s:s, s:s, s:i, s:s, s:b, s:b, s:f}",
                             "seq", (json_int_t)d->seq, "task", task,
                             "client", client, "engine", d->engine,
                             "workload", d->name, "ok", d->ok, "balanced",
                             d->balanced, "ms", d->ms));
    }
    /* lost: completions after since that the ring no longer holds */
    return json_pack("{s:I, s:I, s:o}", "next", (json_int_t)w->next_seq,
                     "lost", (json_int_t)(from - since - 1), "tasks",
                     tasks);
}

static bool peer_is_loopback(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a))
            return a->s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(a);
    }
    return false;
}

/* Constant time: how long a wrong token takes says nothing of the right
 * one. */
static bool token_equal(const char *given, const char *token)
{
    size_t n = strlen(token);
    if (!given || strlen(given) != n)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(given[i] ^ token[i]);
    return diff == 0;
}

static bool authorized(struct hub_http *w, struct MHD_Connection *con)
{
    if (!w->h->cfg->http_token_always && peer_is_loopback(con))
        return true;
    const char *q = MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND,
                                                "token");
    if (token_equal(q, w->token))
        return true;
    const char *auth = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                   "Authorization");
    return auth && strncmp(auth, "Bearer ", 7) == 0
        && token_equal(auth + 7, w->token);
}

static enum MHD_Result route(struct hub_http *w, struct MHD_Connection *con,
                             const char *url)
{
    hub *h = w->h;
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return answer(con, MHD_HTTP_OK, "text/html; charset=utf-8",
                      (void *)http_page, strlen(http_page), false);
    /* Browsers ask for it unbidden: nothing, and not counted. */
    if (strcmp(url, "/favicon.ico") == 0)
        return answer(con, MHD_HTTP_NO_CONTENT, "image/x-icon", (void *)"",
                      0, false);
    if (strcmp(url, "/api/status") == 0)
        return answer_json(con, hub_status_object(h));
    if (strcmp(url, "/api/engines") == 0)
        return answer_json(con, hub_status_engines(h));
    if (strcmp(url, "/api/tasks") == 0) {
        const char *s = MHD_lookup_connection_value(
            con, MHD_GET_ARGUMENT_KIND, "since");
        uint64_t since = 0;
        if (s) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(s, &end, 10);
            if (!*s || *end || errno || s[0] == '-') {
                w->drops.bad_request++;
                return answer_text(con, MHD_HTTP_BAD_REQUEST,
                                   "since: a sequence number, 0 or more\n");
            }
            since = v;
        }
        return answer_json(con, tasks_since(w, since));
    }
    if (strcmp(url, "/api/results") == 0)
        return answer_json(con, json_pack("{s:o, s:o}", "png",
                                          results_entry(w, ".png"), "csv",
                                          results_entry(w, ".csv")));
    if (strcmp(url, "/results/pi-pairs.png") == 0)
        return answer_file(w, con, ".png", "image/png");
    if (strcmp(url, "/results/pi-pairs.csv") == 0)
        return answer_file(w, con, ".csv", "text/csv; charset=utf-8");
    w->drops.not_found++;
    return answer_text(con, MHD_HTTP_NOT_FOUND, "no such page\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **req)
{
    (void)version;
    (void)upload_data;
    struct hub_http *w = cls;
    /* Answered on the first call, headers read: a body is never read. */
    if (*req) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    *req = w;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_conn *c = ci ? ci->socket_context : NULL;
    if (c) {
        c->in_request = false;
        c->answered++;
        c->last_ns = pp_mono_ns();
    }
    w->requests++;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0
        && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        w->drops.method++;
        return answer_text(con, MHD_HTTP_METHOD_NOT_ALLOWED,
                           "only GET here\n");
    }
    if (!authorized(w, con)) {
        w->drops.unauthorized++;
        return answer_text(con, MHD_HTTP_UNAUTHORIZED,
                           "a token is needed beyond loopback: ?token= or "
                           "Authorization: Bearer (client.json's "
                           "http_token)\n");
    }
    /* The routes are fixed names, so a path that climbs could only be
     * a 404; it is refused apart to be counted as what it is.  url is
     * already %-decoded by libmicrohttpd. */
    if (url[0] != '/' || strstr(url, "..") || strchr(url, '\\')) {
        w->drops.traversal++;
        return answer_text(con, MHD_HTTP_BAD_REQUEST, "no such path\n");
    }
    return route(w, con, url);
}

/* Called with the request line parsed, before its headers: a peer that
 * then idles out is known to have left a request half sent. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)uri;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    http_conn *c = ci ? ci->socket_context : NULL;
    if (c) {
        c->in_request = true;
        c->last_ns = pp_mono_ns();
    }
    return NULL;
}

static void on_connection(void *cls, struct MHD_Connection *con,
                          void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)con;
    struct hub_http *w = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        http_conn *c = calloc(1, sizeof *c);
        if (c)
            c->last_ns = pp_mono_ns();
        *socket_context = c;
        return;
    }
    http_conn *c = *socket_context;
    if (!c)
        return;
    /* Closed idle past the timeout with a request begun and not
     * answered, or before any: a slow peer.  An idle keep-alive after
     * answers, or a peer that hung up, is not counted. */
    bool idle = pp_mono_ns() - c->last_ns >= w->timeout_ns - 100000000;
    if (idle && (c->in_request || !c->answered))
        w->drops.slow++;
    free(c);
    *socket_context = NULL;
}

/* libmicrohttpd answers a request it will not take by itself (413, 414,
 * 431 for one over the memory limit; 400 for one it cannot parse) and
 * tells only its logger, in these words (0.9.x). */
static void on_log(void *cls, const char *fmt, va_list ap)
{
    struct hub_http *w = cls;
    char line[300];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    const char *code = strstr(line, "response code is ");
    if (strncmp(line, "Error processing request", 24) == 0 && code) {
        int status = atoi(code + strlen("response code is "));
        if (status == 413 || status == 414 || status == 431)
            w->drops.oversized++;
        else
            w->drops.bad_request++;
    }
    /* Debug only: what a stranger sends must not fill the log. */
    pp_debug("http: %s", line);
}

/* --- the hub's side ------------------------------------------------------ */

static int make_token(char *out, pp_error *err)
{
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return pp_error_set(err, PP_EINVAL, "--http: no random bytes for "
                                            "the token");
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

int hub_http_open(hub *h, pp_conninfo *ci, pp_error *err)
{
    const hub_config *cfg = h->cfg;
    if (!cfg->http)
        return 0;
    if (cfg->http_port < 0 || cfg->http_port > 65535)
        return pp_error_set(err, PP_EINVAL, "--http: port %d", cfg->http_port);
    struct hub_http *w = calloc(1, sizeof *w);
    if (!w)
        return pp_error_set(err, PP_ENOMEM, "no memory for --http");
    w->h = h;
    w->fd = -1;
    double timeout_s = cfg->http_timeout_s > 0 ? cfg->http_timeout_s : 10;
    w->timeout_ns = (int64_t)(timeout_s * 1e9);
    const char *ip = cfg->http_ip ? cfg->http_ip : "127.0.0.1";
    const char *dir = cfg->results_dir ? cfg->results_dir : "results";
    /* Fixed now: the page looks where the controller was started. */
    char cwd[PP_PATH_MAX];
    if (dir[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(w->results_dir, sizeof w->results_dir, "%.2000s/%.1000s",
                 cwd, dir);
    else
        snprintf(w->results_dir, sizeof w->results_dir, "%s", dir);
    if (ci->http_token[0]) /* --reuse: the one in the files */
        memcpy(w->token, ci->http_token, sizeof w->token);
    else if (make_token(w->token, err)) {
        free(w);
        return err->code;
    }

    struct sockaddr_in in4 = { .sin_family = AF_INET,
                               .sin_port = htons((uint16_t)cfg->http_port) };
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
                                .sin6_port = htons((uint16_t)cfg->http_port) };
    const char *bare = strcmp(ip, "*") == 0 ? "0.0.0.0" : ip;
    char v6[64];
    size_t n = strlen(bare);
    if (n >= 2 && n < sizeof v6 && bare[0] == '[' && bare[n - 1] == ']') {
        memcpy(v6, bare + 1, n - 2);
        v6[n - 2] = '\0';
        bare = v6;
    }
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    struct sockaddr *sa = (struct sockaddr *)&in4;
    if (inet_pton(AF_INET, bare, &in4.sin_addr) != 1) {
        if (inet_pton(AF_INET6, bare, &in6.sin6_addr) != 1) {
            free(w);
            return pp_error_set(err, PP_EINVAL,
                                "--http-ip: '%s' is not an IPv4 or IPv6 "
                                "address",
                                ip);
        }
        sa = (struct sockaddr *)&in6;
        flags |= MHD_USE_IPv6;
    }
    w->d = MHD_start_daemon(
        flags, (uint16_t)cfg->http_port, NULL, NULL, on_request, w,
        MHD_OPTION_EXTERNAL_LOGGER, on_log, w, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(timeout_s + 0.5),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, w,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, w, MHD_OPTION_END);
    const union MHD_DaemonInfo *fdi =
        w->d ? MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
    const union MHD_DaemonInfo *port =
        w->d ? MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
    if (!fdi || !port) {
        if (w->d)
            MHD_stop_daemon(w->d);
        free(w);
        return pp_error_set(err, PP_EINVAL,
                            "--http: cannot listen on %s port %d (in use, "
                            "or not an address of this host)",
                            ip, cfg->http_port);
    }
    w->fd = fdi->epoll_fd;
    w->deadline_ns = INT64_MAX;
    h->http = w;
    ci->http_port = port->port;
    memcpy(ci->http_token, w->token, sizeof ci->http_token);
    char host[80];
    snprintf(host, sizeof host, sa == (struct sockaddr *)&in6 ? "[%s]" : "%s",
             strcmp(bare, "0.0.0.0") && strcmp(bare, "::") ? bare
                                                           : "127.0.0.1");
    pp_info("status page on http://%s:%d/ (beyond loopback: "
            "http://HOST:%d/?token=%s)",
            host, port->port, port->port, w->token);
    return 0;
}

void hub_http_close(hub *h)
{
    struct hub_http *w = h->http;
    if (!w)
        return;
    h->http = NULL;
    MHD_stop_daemon(w->d);
    free(w);
}

int hub_http_fd(const hub *h)
{
    return h->http ? h->http->fd : -1;
}

int64_t hub_http_timeout_ms(hub *h)
{
    struct hub_http *w = h->http;
    if (!w)
        return -1;
    int64_t now = pp_mono_ns();
    take_sample(w, now);
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(w->d, &ms) != MHD_YES) {
        w->deadline_ns = INT64_MAX;
        return -1;
    }
    if (ms > 3600000)
        ms = 3600000;
    w->deadline_ns = now + (int64_t)ms * 1000000;
    return (int64_t)ms;
}

void hub_http_run(hub *h, bool readable)
{
    struct hub_http *w = h->http;
    if (w && (readable || pp_mono_ns() >= w->deadline_ns))
        MHD_run(w->d);
}
