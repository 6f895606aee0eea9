/* unanswered.c - a client whose question to a restarted controller is
 * never answered (docs/protocol.md, PENDING).
 *
 * This program plays the controller (fake_controller.h): it answers every
 * IDS (the connect's and the client's pings), keeps the task it is sent
 * without an answer, and from then on names another run in its replies, as
 * a controller restarted behind the same port would.  It never answers a PENDING, as a controller
 * of before PENDING does (it drops the type).  The client, whose pings are
 * answered, must still give up on the question after its patience and fail
 * the task with one line, not wait for ever; the first PENDING it sent
 * must name that task, and it may ask once more after the restart.
 *
 * usage: unanswered DIR   (DIR: where the connection file goes) */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "pipar/client.h"
#include "pipar/view.h"

#include "check.h"
#include "fake_controller.h"

typedef struct seen {
    _Atomic uint64_t task;  /* the task kept unanswered */
    atomic_int pendings;    /* PENDING requests seen */
    _Atomic uint64_t named; /* the one id the first PENDING named */
} seen;

static void answer(fake_controller *f, const pp_header *h, pp_frames *fr)
{
    seen *s = f->data;
    if (h->type == PP_MSG_TASK) {
        atomic_store(&s->task, h->id);
        return;
    }
    if (h->type == PP_MSG_PENDING) {
        pp_values vals = { 0 };
        pp_error err;
        if (atomic_fetch_add(&s->pendings, 1) == 0
            && pp_frames_take_values(fr, h, &vals, &err) == 0
            && vals.n == 1 && pp_value_count(&vals.v[0]) == 1)
            atomic_store(&s->named, (uint64_t)pp_value_i64s(&vals.v[0])[0]);
        pp_values_free(&vals);
        return;
    }
    if (h->type != PP_MSG_IDS)
        return;
    /* The run: 1 until the task came, 2 after (restarted). */
    pp_header rep = { .type = h->type, .id = pp_msg_id_next(),
                      .parent = h->id, .engine = -1,
                      .t_start = atomic_load(&s->task) ? 2 : 1 };
    int64_t zero = 0;
    pp_value v;
    pp_value_i64(&v, &zero, 1);
    fake_controller_reply(f, fr, &rep, &v);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: unanswered DIR\n");
        return 2;
    }
    pp_error err = { 0 };
    seen f_seen = { 0 };
    fake_controller f = { .answer = answer, .data = &f_seen };
    char path[4096];
    if (fake_controller_start(&f, argv[1], path, sizeof path))
        return 2;

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
                 f.port);
        CHECK(rc != 0 && strcmp(err.msg, want) == 0, "its error: '%s'",
              rc ? err.msg : "(it succeeded)");
        /* One when the task had been in flight for a second, one more
         * when the reply naming another run came (it may have been lost
         * with the one before it); not one per ping. */
        int n = atomic_load(&f_seen.pendings);
        CHECK(n >= 1 && n <= 2, "%d PENDING requests, not 1 or 2", n);
        CHECK(a && atomic_load(&f_seen.named) == pp_async_task_id(a, 0),
              "the PENDING did not name the task");
        pp_async_destroy(&a);
        pp_view_destroy(&v);
        pp_client_destroy(&c);
    }

    fake_controller_stop(&f);
    if (failures == 0)
        printf("an unanswered question about its tasks fails them after "
               "the patience (%.1f s), pings answered all along\n",
               waited);
    return failures ? 1 : 0;
}
