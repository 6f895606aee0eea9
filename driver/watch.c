/* watch.c - `driver cluster watch`: the controller's events (engines
 * registering and going), a line each, as they happen, from its PUB
 * socket; the messages are checked like any other.  A controller that
 * stops answering is said to, in a line, and one that answers again. */
#include <getopt.h>
#include <jansson.h>
#include <pipar.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "connfile.h"
#include "wire.h"

/* "engine 3 registered (pi4)" or "engine 2 gone: died (...)". */
static void print_event(const char *text, size_t len)
{
    json_t *root = json_loadb(text, len, 0, NULL);
    const char *event = json_string_value(json_object_get(root, "event"));
    const char *detail = json_string_value(json_object_get(root, "detail"));
    long long engine = json_integer_value(json_object_get(root, "engine"));
    if (event && strcmp(event, "engine_registered") == 0)
        printf("engine %lld registered (%s)\n", engine, detail ? detail : "?");
    else if (event && strcmp(event, "engine_gone") == 0)
        printf("engine %lld gone: %s\n", engine, detail ? detail : "?");
    else
        printf("%.*s\n", (int)len, text);
    fflush(stdout);
    json_decref(root);
}

/* The events socket of the controller that file names now. */
typedef struct events {
    void *sock;
    pp_signer *signer;
    int events_port, client_port;
    char endpoint[300]; /* the controller's, for the liveness lines */
} events;

static int events_open(events *ev, void *ctx, const char *file,
                       pp_error *err)
{
    pp_conninfo ci;
    int rc = pp_conninfo_read(file, &ci, err);
    if (rc)
        return rc;
    if (ci.events_port <= 0)
        return pp_error_set(err, PP_EINVAL, "%s names no events_port", file);
    char ep[300];
    pp_conninfo_endpoint(&ci, ci.events_port, ep, sizeof ep);
    pp_conninfo_endpoint(&ci, ci.client_port, ev->endpoint,
                         sizeof ev->endpoint);
    ev->events_port = ci.events_port;
    ev->client_port = ci.client_port;
    ev->signer = pp_signer_new(ci.key, sizeof ci.key, err);
    if (!ev->signer)
        return err->code;
    pp_signer_set_clock_window(ev->signer, ci.clock_window_s);
    ev->sock = zmq_socket(ctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(ev->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(ev->sock, ZMQ_SUBSCRIBE, "", 0);
    rc = pp_conninfo_secure(&ci, ev->sock, err);
    if (!rc && zmq_connect(ev->sock, ep))
        rc = pp_error_set(err, PP_EZMQ, "cannot connect to %s: %s", ep,
                          zmq_strerror(zmq_errno()));
    return rc;
}

static void events_close(events *ev)
{
    if (ev->sock)
        zmq_close(ev->sock);
    pp_signer_destroy(&ev->signer);
    memset(ev, 0, sizeof *ev);
}

/* Every LIVE_NS without an event the controller is asked for its ids:
 * a watcher of a controller that died (a head Pi that went down) says
 * so, rather than showing a quiet cluster for ever; and of one started
 * again on other ports (no --reuse), follows it there. */
#define LIVE_NS 2000000000LL
#define LIVE_PATIENCE_S 2.0

typedef struct liveness {
    pp_client *client;
    int64_t next_ns;
    bool silent; /* said it does not answer */
} liveness;

static void check_alive(liveness *lv, events *ev, void *ctx,
                        const char *file)
{
    pp_error err = { 0 };
    int64_t *ids = NULL;
    size_t n = 0;
    if (!lv->client) {
        lv->client = pp_client_connect(file, LIVE_PATIENCE_S, &err);
        if (lv->client)
            pp_client_set_patience(lv->client, LIVE_PATIENCE_S);
    }
    int rc = lv->client ? pp_client_ids(lv->client, &ids, &n, &err)
                        : err.code ? err.code : PP_ETIMEDOUT;
    free(ids);
    if (rc == 0) {
        if (lv->silent)
            printf("controller at %s: answers again\n", ev->endpoint);
        lv->silent = false;
    } else {
        if (!lv->silent && rc == PP_ETIMEDOUT)
            printf("controller at %s: no answer within %.0f s; watching "
                   "on\n",
                   ev->endpoint, LIVE_PATIENCE_S);
        else if (!lv->silent)
            printf("controller at %s: %s; watching on\n", ev->endpoint,
                   err.msg);
        lv->silent = true;
        pp_client_destroy(&lv->client);
        /* Started again on other ports: its file says where. */
        pp_conninfo ci;
        pp_error e2;
        if (pp_conninfo_read(file, &ci, &e2) == 0
            && (ci.events_port != ev->events_port
                || ci.client_port != ev->client_port)) {
            events fresh = { 0 };
            if (events_open(&fresh, ctx, file, &e2) == 0) {
                events_close(ev);
                *ev = fresh;
            } else {
                events_close(&fresh);
            }
        }
    }
    fflush(stdout);
    lv->next_ns = pp_mono_ns() + LIVE_NS;
}

static int watch(const char *file, int64_t count, double seconds,
                 pp_error *err)
{
    void *ctx = zmq_ctx_new();
    events ev = { 0 };
    int rc = events_open(&ev, ctx, file, err);
    liveness lv = { .next_ns = pp_mono_ns() + LIVE_NS };
    int64_t end = seconds > 0 ? pp_mono_ns() + (int64_t)(seconds * 1e9)
                              : INT64_MAX;
    int64_t seen = 0;
    while (!rc && !cli_interrupted && (count == 0 || seen < count)
           && pp_mono_ns() < end) {
        if (pp_mono_ns() >= lv.next_ns)
            check_alive(&lv, &ev, ctx, file);
        zmq_pollitem_t item = { ev.sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 200) <= 0)
            continue;
        pp_frames fr;
        pp_header h;
        pp_error e2;
        if (pp_frames_recv(ev.sock, &fr, ZMQ_DONTWAIT, &e2))
            continue;
        /* What does not verify is not the controller's: not shown. */
        if (pp_frames_verify(&fr, ev.signer, &h, &e2) == 0
            && h.type == PP_MSG_EVENT && h.nvalues == 1
            && h.types[0] == PP_T_STR) {
            print_event(zmq_msg_data(&fr.body[3]), zmq_msg_size(&fr.body[3]));
            seen++;
            lv.next_ns = pp_mono_ns() + LIVE_NS;
        }
        pp_frames_close(&fr);
    }
    if (!rc && count > 0 && seen < count && !cli_interrupted)
        rc = pp_error_set(err, PP_ETIMEDOUT,
                          "cluster watch: %lld of %lld events in %g s",
                          (long long)seen, (long long)count, seconds);
    pp_client_destroy(&lv.client);
    events_close(&ev);
    zmq_ctx_term(ctx);
    return rc;
}

int cli_cluster_watch(const cli_opts *o, int argc, char **argv)
{
    int64_t count = 0;
    double seconds = 0;
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "count", required_argument, NULL, 'c' },
        { "for", required_argument, NULL, 'f' },
        { 0, 0, 0, 0 },
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int rc;
        if (c == 'c')
            rc = pp_parse_i64("--count", optarg, 1, 1000000, &count, &err);
        else if (c == 'f')
            rc = pp_parse_seconds("--for", optarg, 0.1, 86400, &seconds,
                                  &err);
        else
            rc = pp_error_set(&err, PP_EINVAL,
                              "cluster watch: unknown or incomplete option "
                              "'%s'",
                              argv[optind - 1]);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "driver: cluster watch: unexpected argument '%s'\n",
                argv[optind]);
        return CLI_USAGE;
    }
    char path[PP_PATH_MAX];
    const char *file = cli_client_json(o, path, &err);
    if (!file) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_USAGE;
    }
    if (watch(file, count, seconds, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    return cli_interrupted ? CLI_INTERRUPTED : CLI_OK;
}
