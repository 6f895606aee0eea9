/* unanswered.c - a client whose question to a restarted controller is
 * never answered (docs/protocol.md, PENDING).
 *
 * This program plays the controller on 127.0.0.1 (a ROUTER of its own, in
 * a thread), as tampered.c does: it answers every IDS (the connect's and
 * the client's pings), keeps the task it is sent without an answer, and
 * from then on names another run in its replies, as a controller restarted
 * behind the same port would.  It never answers a PENDING, as a controller
 * of before PENDING does (it drops the type).  The client, whose pings are
 * answered, must still give up on the question after its patience and fail
 * the task with one line, not wait for ever; the PENDING it sent must name
 * that task, once.
 *
 * usage: unanswered DIR   (DIR: where the connection file goes) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connfile.h"
#include "pipar/client.h"
#include "pipar/view.h"
#include "wire.h"

#include "check.h"

typedef struct fake {
    void *sock;
    pp_signer *signer;
    _Atomic uint64_t task;  /* the task kept unanswered */
    atomic_int pendings;    /* PENDING requests seen */
    _Atomic uint64_t named; /* the one id the first PENDING named */
} fake;

static void answer(fake *f, pp_frames *fr)
{
    pp_header h;
    pp_error err;
    if (pp_frames_verify(fr, f->signer, &h, &err)) {
        fprintf(stderr, "fake controller: %s\n", err.msg);
        return;
    }
    if (h.type == PP_MSG_TASK) {
        atomic_store(&f->task, h.id);
        return;
    }
    if (h.type == PP_MSG_PENDING) {
        pp_values vals = { 0 };
        if (atomic_fetch_add(&f->pendings, 1) == 0
            && pp_frames_take_values(fr, &h, &vals, &err) == 0
            && vals.n == 1 && pp_value_count(&vals.v[0]) == 1)
            atomic_store(&f->named, (uint64_t)pp_value_i64s(&vals.v[0])[0]);
        pp_values_free(&vals);
        return;
    }
    if (h.type != PP_MSG_IDS)
        return;
    /* The run: 1 until the task came, 2 after (restarted). */
    pp_header rep = { .type = h.type, .id = pp_msg_id_next(),
                      .parent = h.id, .engine = -1,
                      .t_start = atomic_load(&f->task) ? 2 : 1 };
    int64_t zero = 0;
    pp_value v;
    pp_value_i64(&v, &zero, 1);
    pp_frames out;
    if (pp_msg_build(f->signer, &rep, &v, 1, &out, &err)) {
        fprintf(stderr, "fake controller: %s\n", err.msg);
        return;
    }
    pp_frames_send(f->sock, &out, zmq_msg_data(&fr->route[0]),
                   zmq_msg_size(&fr->route[0]), &err);
}

static void *serve(void *arg)
{
    fake *f = arg;
    for (;;) {
        pp_frames fr;
        pp_error err;
        int rc = pp_frames_recv(f->sock, &fr, 0, &err);
        if (rc == PP_ETIMEDOUT)
            continue;
        if (rc)
            return NULL; /* the context ends */
        if (fr.nroute == 1)
            answer(f, &fr);
        pp_frames_close(&fr);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: unanswered DIR\n");
        return 2;
    }
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
    fake f = { 0 };
    void *ctx = zmq_ctx_new();
    f.sock = zmq_socket(ctx, ZMQ_ROUTER);
    f.signer = pp_signer_new(ci.key, sizeof ci.key, &err);
    char ep[64];
    size_t len = sizeof ep;
    if (!f.signer || zmq_bind(f.sock, "tcp://127.0.0.1:*")
        || zmq_getsockopt(f.sock, ZMQ_LAST_ENDPOINT, ep, &len)) {
        fprintf(stderr, "cannot set up the fake controller\n");
        return 2;
    }
    ci.client_port = atoi(strrchr(ep, ':') + 1);
    ci.engine_port = ci.client_port; /* unused here */
    char path[4096];
    snprintf(path, sizeof path, "%s/client.json", argv[1]);
    if (pp_conninfo_write(path, &ci, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    pthread_t thread;
    pthread_create(&thread, NULL, serve, &f);

    pp_client *c = pp_client_connect(path, 5, &err);
    CHECK(c != NULL, "connect: %s", err.msg);
    double waited = 0;
    if (c) {
        pp_client_set_patience(c, 1.5);
        pp_view *v = pp_client_balanced(c, &err);
        pp_value arg;
        pp_value_borrow(&arg, PP_T_STR, "x", 1);
        pp_async *a = v ? pp_view_apply_async(v, "echo", &arg, 1, &err)
                        : NULL;
        CHECK(a != NULL, "apply: %s", err.msg);
        int64_t t0 = pp_mono_ns();
        int rc = a ? pp_async_wait(a, 20, &err) : -1;
        waited = (double)(pp_mono_ns() - t0) / 1e9;
        CHECK(rc == 0, "the task did not end within 20 s: %s", err.msg);
        const pp_values *vals;
        rc = a ? pp_async_result(a, 0, &vals, &err) : 0;
        char want[512];
        snprintf(want, sizeof want,
                 "no answer from the controller at tcp://127.0.0.1:%d "
                 "within 1.5 s to whether it still has the task (its "
                 "connection dropped or it restarted): submit it again",
                 ci.client_port);
        CHECK(rc != 0 && strcmp(err.msg, want) == 0, "its error: '%s'",
              rc ? err.msg : "(it succeeded)");
        CHECK(atomic_load(&f.pendings) == 1, "%d PENDING requests, not 1",
              atomic_load(&f.pendings));
        CHECK(a && atomic_load(&f.named) == pp_async_task_id(a, 0),
              "the PENDING did not name the task");
        pp_async_destroy(&a);
        pp_view_destroy(&v);
        pp_client_destroy(&c);
    }

    int linger = 0;
    zmq_setsockopt(f.sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_ctx_shutdown(ctx); /* the thread's receive ends */
    pthread_join(thread, NULL);
    zmq_close(f.sock);
    zmq_ctx_term(ctx);
    pp_signer_destroy(&f.signer);
    if (failures == 0)
        printf("an unanswered question about its tasks fails them after "
               "the patience (%.1f s), pings answered all along\n",
               waited);
    return failures ? 1 : 0;
}
