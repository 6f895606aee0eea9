/* fake_controller.h - a controller played by a test program: a ROUTER of
 * its own on 127.0.0.1, in a thread, with a connection file for the real
 * client library to connect with.  Each verified request from a client
 * goes to the program's answer function (tampered.c, unanswered.c).
 * Header-only: each program that includes it is one file. */
#ifndef PP_TEST_FAKE_CONTROLLER_H
#define PP_TEST_FAKE_CONTROLLER_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connfile.h"
#include "wire.h"

typedef struct fake_controller fake_controller;
struct fake_controller {
    void *ctx;
    void *sock;
    pp_signer *signer;
    pthread_t thread;
    int port;
    /* Called in the thread for each request whose seal and values hold:
     * h is its header, fr its frames (the routing id in route[0]). */
    void (*answer)(fake_controller *f, const pp_header *h, pp_frames *fr);
    void *data; /* the program's own */
};

static void *fake_controller_serve(void *arg)
{
    fake_controller *f = arg;
    for (;;) {
        pp_frames fr;
        pp_error err;
        int rc = pp_frames_recv(f->sock, &fr, 0, &err);
        if (rc == PP_ETIMEDOUT)
            continue;
        if (rc)
            return NULL; /* the context ends */
        pp_header h;
        if (fr.nroute != 1)
            ;
        else if (pp_frames_verify(&fr, f->signer, &h, &err))
            fprintf(stderr, "fake controller: %s\n", err.msg);
        else
            f->answer(f, &h, &fr);
        pp_frames_close(&fr);
    }
}

/* Starts it and writes DIR/client.json (its path into path).  0, or 2
 * after saying why on stderr. */
static int fake_controller_start(fake_controller *f, const char *dir,
                                 char *path, size_t size)
{
    pp_error err = { 0 };
    pp_conninfo ci;
    memset(&ci, 0, sizeof ci);
    snprintf(ci.ip, sizeof ci.ip, "127.0.0.1");
    snprintf(ci.location, sizeof ci.location, "127.0.0.1");
    ci.clock_window_s = PP_CLOCK_WINDOW_S;
    ci.max_message = PP_MAX_MESSAGE;
    if (pp_key_generate(ci.key, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    f->ctx = zmq_ctx_new();
    f->sock = zmq_socket(f->ctx, ZMQ_ROUTER);
    f->signer = pp_signer_new(ci.key, sizeof ci.key, &err);
    char ep[64];
    size_t len = sizeof ep;
    if (!f->signer || zmq_bind(f->sock, "tcp://127.0.0.1:*")
        || zmq_getsockopt(f->sock, ZMQ_LAST_ENDPOINT, ep, &len)) {
        fprintf(stderr, "cannot set up the fake controller\n");
        return 2;
    }
    f->port = atoi(strrchr(ep, ':') + 1);
    ci.client_port = f->port;
    ci.engine_port = f->port; /* unused here */
    snprintf(path, size, "%s/client.json", dir);
    if (pp_conninfo_write(path, &ci, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    pthread_create(&f->thread, NULL, fake_controller_serve, f);
    return 0;
}

static void fake_controller_stop(fake_controller *f)
{
    int linger = 0;
    zmq_setsockopt(f->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_ctx_shutdown(f->ctx); /* the thread's receive ends */
    pthread_join(f->thread, NULL);
    zmq_close(f->sock);
    zmq_ctx_term(f->ctx);
    pp_signer_destroy(&f->signer);
}

/* Sends rep (filled in; one value v, consumed) to the client of fr. */
static void fake_controller_reply(fake_controller *f, pp_frames *fr,
                                  pp_header *rep, pp_value *v)
{
    pp_frames out;
    pp_error err;
    if (pp_msg_build(f->signer, rep, v, 1, &out, &err)) {
        fprintf(stderr, "fake controller: %s\n", err.msg);
        return;
    }
    pp_frames_send(f->sock, &out, zmq_msg_data(&fr->route[0]),
                   zmq_msg_size(&fr->route[0]), &err);
}

#endif
