/* tampered.c - a client whose result's values were changed on the way.
 *
 * The controller forwards results' values unread (docs/protocol.md, "Who
 * checks what"), so the client is the one that checks them.  This program
 * plays the controller on 127.0.0.1 (a ROUTER of its own, in a thread),
 * writes a connection file for it and connects the real client library:
 * the IDS exchange of the connect is answered as a controller answers it;
 * each task is answered with a RESULT whose seal holds and whose value
 * was changed after sealing.  The task must fail with the client's text,
 * and a second task, answered cleanly, must still succeed.
 *
 * usage: tampered DIR   (DIR: where the connection file goes) */
#include <stdio.h>
#include <string.h>

#include "pipar/client.h"
#include "pipar/view.h"

#include "check.h"
#include "fake_controller.h"

/* Answers one request: IDS with engine 0, a task with its echo, the
 * first one's value changed after sealing. */
static void answer(fake_controller *f, const pp_header *h, pp_frames *fr)
{
    int *tasks = f->data; /* answered so far */
    pp_header rep = { .type = h->type, .id = pp_msg_id_next(),
                      .parent = h->id, .engine = -1 };
    pp_value v;
    if (h->type == PP_MSG_IDS) {
        int64_t zero = 0;
        pp_value_i64(&v, &zero, 1);
        fake_controller_reply(f, fr, &rep, &v);
        return;
    }
    if (h->type != PP_MSG_TASK)
        return;
    rep.type = PP_MSG_RESULT;
    rep.kind = h->kind;
    rep.engine = 0;
    memcpy(rep.name, h->name, sizeof rep.name);
    pp_value_str(&v, "echoed");
    pp_frames out;
    pp_error err;
    if (pp_msg_build(f->signer, &rep, &v, 1, &out, &err)) {
        fprintf(stderr, "fake controller: %s\n", err.msg);
        return;
    }
    if ((*tasks)++ == 0)
        ((char *)zmq_msg_data(&out.body[3]))[0] ^= 0x20; /* "Echoed" */
    pp_frames_send(f->sock, &out, zmq_msg_data(&fr->route[0]),
                   zmq_msg_size(&fr->route[0]), &err);
}

/* One echo task on engine 0; its error text, or "" when it succeeded. */
static void run_task(pp_client *c, char *text, size_t cap)
{
    pp_error err = { 0 };
    int64_t zero = 0;
    pp_view *v = pp_client_direct(c, &zero, 1, &err);
    pp_async *a = NULL;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_STR, "x", 1);
    text[0] = '\0';
    if (v)
        pp_view_apply(v, "echo", &arg, 1, &a, &err); /* its error: below */
    if (!a) {
        snprintf(text, cap, "apply: %s", err.msg);
    } else {
        const pp_values *vals;
        if (pp_async_result(a, 0, &vals, &err))
            snprintf(text, cap, "%s", err.msg);
        else if (vals->n != 1 || vals->v[0].size != 6
                 || memcmp(vals->v[0].data, "echoed", 6) != 0)
            snprintf(text, cap, "a result that is not \"echoed\"");
    }
    pp_async_destroy(&a);
    pp_view_destroy(&v);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: tampered DIR\n");
        return 2;
    }
    pp_error err = { 0 };
    int tasks = 0;
    fake_controller f = { .answer = answer, .data = &tasks };
    char path[4096];
    if (fake_controller_start(&f, argv[1], path, sizeof path))
        return 2;

    pp_client *c = pp_client_connect(path, 5, &err);
    CHECK(c != NULL, "connect: %s", err.msg);
    if (c) {
        char text[sizeof err.msg + 16];
        run_task(c, text, sizeof text);
        CHECK(strcmp(text, "engine 0: the result's values do not match its "
                           "signature (changed on the way?)")
                  == 0,
              "a changed result: '%s'", text);
        run_task(c, text, sizeof text);
        CHECK(text[0] == '\0', "a clean result after it: '%s'", text);
        pp_client_destroy(&c);
    }

    fake_controller_stop(&f);
    if (failures == 0)
        printf("a result changed on the way fails its task; the next one "
               "succeeds\n");
    return failures ? 1 : 0;
}
