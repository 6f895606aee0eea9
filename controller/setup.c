/* setup.c - the controller's sockets and connection files: made, bound
 * and written when it starts, closed and removed when it stops. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connfile.h"
#include "files.h"
#include "hub_internal.h"
#include "log.h"

int hub_first_lan_address(char *out, size_t size)
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

int hub_bind_port(void *sock, const char *ip, int port, int *bound,
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

int hub_write_files(const hub_config *cfg, const pp_conninfo *ci,
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

void hub_free(hub *h)
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
