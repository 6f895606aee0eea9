/* setup.c - the controller's sockets and connection files: made, bound
 * and written when it starts (hub_open), closed and removed when it stops
 * (hub_close). */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "connfile.h"
#include "ctx_term.h"
#include "files.h"
#include "hub_internal.h"
#include "log.h"

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

/* The connection files' contents, read back with --reuse or made: key,
 * addresses, the limits that engines and clients must know.  Refuses a
 * profile that another live controller uses. */
static int prepare_files(hub *h, pp_conninfo *ci, bool *reused,
                         pp_error *err)
{
    const hub_config *cfg = h->cfg;
    int rc = pp_profile_path(cfg->profile, "security", "engine.json",
                             h->engine_path, sizeof h->engine_path, err);
    if (rc)
        return rc;

    /* Two controllers on one profile would overwrite each other's files
     * and strand each other's engines. */
    pp_conninfo other;
    pp_error ignored;
    if (pp_conninfo_read(h->engine_path, &other, &ignored) == 0
        && other.controller_pid > 0 && other.controller_pid != getpid()
        && pp_pid_alive(other.controller_pid))
        return pp_error_set(err, PP_EINVAL,
                            "another controller (pid %ld) is running with "
                            "profile '%s' (%s); stop it first or choose "
                            "another --profile",
                            other.controller_pid, cfg->profile,
                            h->engine_path);

    *reused = false;
    if (cfg->reuse && access(h->engine_path, F_OK) == 0) {
        rc = pp_conninfo_read(h->engine_path, ci, err);
        if (rc) {
            pp_error_prefix(err, "--reuse: ");
            return rc;
        }
        *reused = true;
    } else {
        rc = pp_key_generate(ci->key, err);
        if (rc)
            return rc;
    }
    snprintf(ci->ip, sizeof ci->ip, "%s", cfg->ip);
    if (cfg->location)
        snprintf(ci->location, sizeof ci->location, "%s", cfg->location);
    else if (strcmp(cfg->ip, "*") && strcmp(cfg->ip, "0.0.0.0"))
        snprintf(ci->location, sizeof ci->location, "%s", cfg->ip);
    else if (first_lan_address(ci->location, sizeof ci->location))
        snprintf(ci->location, sizeof ci->location, "127.0.0.1");
    ci->controller_pid = (long)getpid();
    ci->clock_window_s = cfg->clock_window_s;
    ci->max_message = cfg->max_message;
    memcpy(h->key, ci->key, sizeof h->key);
    return 0;
}

/* The signer, the context (shared or the hub's own) and the three
 * sockets with the options the controller's promises rest on. */
static int open_sockets(hub *h, void *ctx, pp_error *err)
{
    const hub_config *cfg = h->cfg;
    h->signer = pp_signer_new(h->key, sizeof h->key, err);
    if (h->signer)
        pp_signer_set_clock_window(h->signer, cfg->clock_window_s);
    h->ctx = ctx ? ctx : zmq_ctx_new();
    h->ctx_owned = !ctx;
    if (!h->signer || !h->ctx)
        return err->code ? err->code
                         : pp_error_set(err, PP_EZMQ, "no ZeroMQ context");
    h->engines_sock = zmq_socket(h->ctx, ZMQ_ROUTER);
    h->clients_sock = zmq_socket(h->ctx, ZMQ_ROUTER);
    h->events_sock = zmq_socket(h->ctx, ZMQ_PUB);
    if (!h->engines_sock || !h->clients_sock || !h->events_sock)
        return pp_error_set(err, PP_EZMQ, "no ZeroMQ socket: %s",
                            zmq_strerror(zmq_errno()));
    int one = 1;
    zmq_setsockopt(h->engines_sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    /* A task sent to an engine that is gone must fail loudly, not vanish. */
    zmq_setsockopt(h->engines_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    pp_socket_unbounded(h->engines_sock);
    /* A client that does not read must not make the controller buffer
     * without bound: at most --backlog messages in ZeroMQ's pipe to it,
     * then sends fail with EAGAIN (never block, never drop) and outbox.c
     * keeps what waits, counted against the backlog. */
    int sndhwm = cfg->backlog > 0 && cfg->backlog < INT32_MAX
                     ? (int)cfg->backlog
                     : 0;
    int zero = 0;
    zmq_setsockopt(h->clients_sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(h->clients_sock, ZMQ_RCVHWM, &zero, sizeof zero);
    zmq_setsockopt(h->clients_sock, ZMQ_SNDTIMEO, &zero, sizeof zero);
    zmq_setsockopt(h->clients_sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    /* A client keeps its routing id when it dials again after a drop
     * (client/pending.c): the new connection takes it over, even before
     * the old one is seen to be gone. */
    zmq_setsockopt(h->clients_sock, ZMQ_ROUTER_HANDOVER, &one, sizeof one);
    /* ZeroMQ refuses a larger frame from its header, before reading it,
     * and drops that peer's connection. */
    zmq_setsockopt(h->engines_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    zmq_setsockopt(h->clients_sock, ZMQ_MAXMSGSIZE, &cfg->max_message,
                   sizeof cfg->max_message);
    return 0;
}

/* The controller's way: CURVE if asked, tcp ports (the same ones again
 * with --reuse), then the connection files that tell others where. */
static int listen_tcp(hub *h, pp_conninfo *ci, bool reused, pp_error *err)
{
    const hub_config *cfg = h->cfg;
    const char *bind_ip = strcmp(cfg->ip, "*") == 0 ? "0.0.0.0" : cfg->ip;
    int rc = hub_curve_setup(h, ci, reused, err);
    if (rc)
        return rc;
    rc = bind_port(h->engines_sock, bind_ip, reused ? ci->engine_port : 0,
                   &ci->engine_port, err);
    if (!rc)
        rc = bind_port(h->clients_sock, bind_ip, reused ? ci->client_port : 0,
                       &ci->client_port, err);
    if (!rc)
        rc = bind_port(h->events_sock, bind_ip, reused ? ci->events_port : 0,
                       &ci->events_port, err);
    if (!rc)
        rc = hub_http_open(h, ci, err);
    if (!rc)
        rc = write_files(cfg, ci, h->engine_path, h->client_path, err);
    if (rc)
        return rc;
    h->files_written = true;
    pp_info("listening on %s ports %d (engines), %d (clients) and %d "
            "(events)%s%s; scheme %s, hwm %d",
            cfg->ip, ci->engine_port, ci->client_port, ci->events_port,
            reused ? ", reused" : "", cfg->curve ? ", CurveZMQ" : "",
            h->policy->name, cfg->hwm);
    pp_info("wrote %s and %s", h->engine_path, h->client_path);
    return 0;
}

/* The tests' way: the endpoints given, nothing written. */
static int listen_at(hub *h, const hub_endpoints *ep, pp_error *err)
{
    const char *eps[] = { ep->engines, ep->clients, ep->events };
    void *socks[] = { h->engines_sock, h->clients_sock, h->events_sock };
    for (int i = 0; i < 3; i++)
        if (zmq_bind(socks[i], eps[i]))
            return pp_error_set(err, PP_EZMQ, "cannot listen on %s: %s",
                                eps[i], zmq_strerror(zmq_errno()));
    return 0;
}

int hub_open(const hub_config *cfg, const hub_endpoints *ep, hub **out,
             pp_error *err)
{
    *out = NULL;
    bool tcp = !ep || !ep->engines;
    if (!tcp && (!ep->clients || !ep->events))
        return pp_error_set(err, PP_EINVAL,
                            "a hub's endpoints: engines, clients and events "
                            "together");
    if (!tcp && cfg->curve)
        return pp_error_set(err, PP_EINVAL,
                            "CurveZMQ needs the connection files: the "
                            "controller's own tcp endpoints");
    hub *h = calloc(1, sizeof *h);
    if (!h)
        return pp_error_set(err, PP_ENOMEM, "no memory for the controller");
    h->cfg_copy = *cfg;
    h->cfg = &h->cfg_copy;
    h->started_ns = pp_mono_ns();
    h->run_ns = pp_now_ns();
    h->policy = sched_policy_find(cfg->scheme);
    if (!h->policy) {
        free(h);
        return pp_error_set(err, PP_EINVAL, "--scheme: '%s' is not one of %s",
                            cfg->scheme, sched_policy_names());
    }
    if (getrandom(&h->rng, sizeof h->rng, 0) != sizeof h->rng || !h->rng)
        h->rng = (uint64_t)pp_now_ns() | 1;

    pp_conninfo ci = { 0 };
    bool reused = false;
    int rc = 0;
    if (tcp)
        rc = prepare_files(h, &ci, &reused, err);
    else if (ep->key)
        memcpy(h->key, ep->key, sizeof h->key);
    else
        rc = pp_key_generate(h->key, err);
    if (!rc)
        rc = open_sockets(h, ep ? ep->ctx : NULL, err);
    if (!rc)
        rc = tcp ? listen_tcp(h, &ci, reused, err) : listen_at(h, ep, err);
    if (rc) {
        hub_close(&h);
        return rc;
    }
    /* The tick checks hearts (and start timeouts) a few times a beat. */
    h->tick_ns = (int64_t)(cfg->heartbeat_s * 1e9 / 4);
    if (h->tick_ns < 10000000)
        h->tick_ns = 10000000;
    h->next_tick_ns = pp_mono_ns() + h->tick_ns;
    h->stall_limit_ns = 4 * h->tick_ns;
    h->awake_ns = pp_mono_ns();
    *out = h;
    return 0;
}

const uint8_t *hub_key(const hub *h)
{
    return h->key;
}

/* A cluster started for one run (--embed) lives in a folder of its own,
 * PIPAR_RUN_DIR, which the driver removes as it ends.  A driver killed
 * (kill -9) cannot, and the folders stayed behind, empty; so the
 * controller removes them too: the security folder, the profile's, then
 * that one, each only if it is empty (rmdir) and inside PIPAR_RUN_DIR. */
static void remove_run_dirs(const hub *h)
{
    const char *run_dir = getenv("PIPAR_RUN_DIR");
    size_t n = run_dir ? strlen(run_dir) : 0;
    if (n == 0 || strncmp(h->client_path, run_dir, n) != 0
        || h->client_path[n] != '/')
        return;
    char dir[PP_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", h->client_path);
    char *slash;
    while ((slash = strrchr(dir, '/')) && (size_t)(slash - dir) >= n) {
        *slash = '\0';
        if (rmdir(dir))
            return;
    }
}

/* The files go first: whoever reads them next must not find a controller
 * that is no longer there. */
static void remove_files(hub *h)
{
    if (!h->files_written || h->cfg->reuse)
        return;
    unlink(h->engine_path);
    unlink(h->client_path);
    if (h->cfg->curve) {
        char key_path[PP_PATH_MAX];
        pp_error err;
        if (pp_profile_path(h->cfg->profile, "security", "controller.key",
                            key_path, sizeof key_path, &err) == 0)
            unlink(key_path);
    }
    remove_run_dirs(h);
}

void hub_close(hub **hp)
{
    hub *h = *hp;
    if (!h)
        return;
    *hp = NULL;
    remove_files(h);
    hub_http_close(h);
    for (size_t i = 0; i < h->tasks.cap; i++)
        if (h->tasks.vals[i])
            hub_task_free(h, h->tasks.vals[i]);
    pp_idmap_free(&h->tasks);
    hub_clients_free(h);
    hub_queues_free(h);
    for (int32_t i = 0; h->engines && i < h->nengines; i++)
        free(h->engines[i].held); /* the tasks were freed above */
    free(h->engines);
    pp_signer_destroy(&h->signer);
    close_socket(h->engines_sock);
    close_socket(h->clients_sock);
    close_socket(h->events_sock);
    close_socket(h->zap_sock);
    /* 3 s: the sockets' linger (200 ms) many times over, and within the
     * 5 s that `cluster stop` gives before SIGKILL. */
    if (h->ctx && h->ctx_owned && !pp_ctx_term_within(h->ctx, 3000))
        pp_warn("ZeroMQ did not finish closing the sockets within 3 s; "
                "leaving without it");
    free(h);
}
