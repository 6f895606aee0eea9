/* curve.c - CurveZMQ for the controller (--curve): its key pairs, kept in
 * the profile's security folder so --reuse keeps them, and the ZAP handler
 * that lets in only peers with the key pair of the connection files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "hub_internal.h"
#include "log.h"

/* The server's pair: only the controller reads this file.  Engines and
 * clients get its public half and the one client pair. */
static int server_key_path(const hub *h, char *out, pp_error *err)
{
    return pp_profile_path(h->cfg->profile, "security", "controller.key",
                           out, PP_PATH_MAX, err);
}

static int load_keys(hub *h, pp_conninfo *ci, pp_error *err)
{
    char path[PP_PATH_MAX];
    int rc = server_key_path(h, path, err);
    char *text = NULL;
    if (!rc)
        rc = pp_file_read(path, &text, NULL, 4096, err);
    if (rc)
        return rc;
    char pub[41] = "", sec[41] = "";
    int ok = sscanf(text, "%40s %40s", pub, sec) == 2 && strlen(sec) == 40
             && strcmp(pub, ci->curve_server) == 0;
    free(text);
    if (!ok)
        return pp_error_set(err, PP_EINVAL,
                            "%s does not hold the server key pair of the "
                            "connection files",
                            path);
    memcpy(h->curve_secret, sec, sizeof sec);
    return 0;
}

static int make_keys(hub *h, pp_conninfo *ci, pp_error *err)
{
    char path[PP_PATH_MAX];
    int rc = server_key_path(h, path, err);
    if (rc)
        return rc;
    if (zmq_curve_keypair(ci->curve_server, h->curve_secret)
        || zmq_curve_keypair(ci->curve_public, ci->curve_secret))
        return pp_error_set(err, PP_EZMQ,
                            "--curve: this libzmq cannot make CURVE keys "
                            "(%s)",
                            zmq_strerror(zmq_errno()));
    char text[100];
    int n = snprintf(text, sizeof text, "%s\n%s\n", ci->curve_server,
                     h->curve_secret);
    char dir[PP_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    rc = pp_mkdirs(dir, 0700, err);
    return rc ? rc : pp_file_write_atomic(path, text, (size_t)n, 0600, err);
}

int hub_curve_setup(hub *h, pp_conninfo *ci, bool reused, pp_error *err)
{
    if (!h->cfg->curve) {
        ci->curve_server[0] = ci->curve_public[0] = ci->curve_secret[0] = 0;
        return 0;
    }
    if (!zmq_has("curve"))
        return pp_error_set(err, PP_EZMQ,
                            "--curve: this libzmq was built without CURVE");
    int rc = reused && ci->curve_server[0] ? load_keys(h, ci, err)
                                           : make_keys(h, ci, err);
    if (rc)
        return rc;
    if (!zmq_z85_decode(h->curve_client, ci->curve_public))
        return pp_error_set(err, PP_EINVAL, "--curve: a bad client key");
    /* The handler must listen before the first handshake can start. */
    h->zap_sock = zmq_socket(h->ctx, ZMQ_REP);
    if (!h->zap_sock || zmq_bind(h->zap_sock, "inproc://zeromq.zap.01"))
        return pp_error_set(err, PP_EZMQ, "--curve: no ZAP handler: %s",
                            zmq_strerror(zmq_errno()));
    int one = 1;
    void *socks[] = { h->engines_sock, h->clients_sock, h->events_sock };
    for (int i = 0; i < 3; i++)
        if (zmq_setsockopt(socks[i], ZMQ_CURVE_SERVER, &one, sizeof one)
            || zmq_setsockopt(socks[i], ZMQ_CURVE_SECRETKEY, h->curve_secret,
                              40))
            return pp_error_set(err, PP_EZMQ, "--curve: %s",
                                zmq_strerror(zmq_errno()));
    return 0;
}

/* One ZAP request (RFC 27): version, request id, domain, address,
 * identity, mechanism, then the client's public key for CURVE. */
void hub_curve_answer(hub *h)
{
    zmq_msg_t part[7];
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, h->zap_sock, n ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            break;
        }
        more = zmq_msg_more(&m);
        if (n < 7)
            part[n++] = m;
        else
            zmq_msg_close(&m);
    }
    if (n == 0)
        return;
    bool ok = n == 7 && zmq_msg_size(&part[5]) == 5
              && memcmp(zmq_msg_data(&part[5]), "CURVE", 5) == 0
              && zmq_msg_size(&part[6]) == 32
              && memcmp(zmq_msg_data(&part[6]), h->curve_client, 32) == 0;
    if (!ok && h->drops.curve_refused++ == 0) {
        char addr[64] = "?";
        if (n > 3)
            snprintf(addr, sizeof addr, "%.*s",
                     (int)zmq_msg_size(&part[3]),
                     (const char *)zmq_msg_data(&part[3]));
        pp_warn("refused a connection from %s without this cluster's CURVE "
                "key; further ones are counted silently",
                addr);
    }
    const char *status = ok ? "200" : "400";
    const char *text = ok ? "OK" : "unknown key";
    zmq_send(h->zap_sock, "1.0", 3, ZMQ_SNDMORE);
    if (n > 1)
        zmq_send(h->zap_sock, zmq_msg_data(&part[1]), zmq_msg_size(&part[1]),
                 ZMQ_SNDMORE);
    else
        zmq_send(h->zap_sock, "", 0, ZMQ_SNDMORE);
    zmq_send(h->zap_sock, status, 3, ZMQ_SNDMORE);
    zmq_send(h->zap_sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(h->zap_sock, "", 0, ZMQ_SNDMORE);
    zmq_send(h->zap_sock, "", 0, 0);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&part[i]);
}
