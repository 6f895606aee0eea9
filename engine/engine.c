/* engine.c - registration and the task loop. */
#include "engine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "connfile.h"
#include "log.h"
#include "namespace.h"
#include "wire.h"
#include "workload.h"

typedef struct engine {
    void *ctx;
    void *sock;
    pp_signer *signer;
    int32_t id;
    pp_namespace ns;
    char endpoint[300];
} engine;

static volatile sig_atomic_t engine_stop;

static void on_signal(int sig)
{
    (void)sig;
    engine_stop = 1;
}

/* Waits for the reply to request id, dropping anything else (a forged or
 * stray message must not be taken for the answer). */
static int await_reply(engine *en, uint64_t id, pp_msg_type type,
                       int timeout_ms, pp_header *out, pp_error *err)
{
    int64_t deadline = pp_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int64_t left = (deadline - pp_now_ns()) / 1000000;
        if (left <= 0)
            return pp_error_set(err, PP_ETIMEDOUT, "timed out");
        zmq_pollitem_t item = { en->sock, 0, ZMQ_POLLIN, 0 };
        int n = zmq_poll(&item, 1, (long)left);
        if (n < 0 && zmq_errno() == EINTR) {
            if (engine_stop)
                return pp_error_set(err, PP_EINTR, "interrupted");
            continue;
        }
        if (n <= 0)
            continue;
        pp_frames fr;
        if (pp_frames_recv(en->sock, &fr, ZMQ_DONTWAIT, err))
            continue;
        int rc = pp_frames_verify(&fr, en->signer, out, err);
        pp_frames_close(&fr);
        if (rc) {
            pp_warn("dropped a message: %s", err->msg);
            continue;
        }
        if (out->type == type && out->parent == id)
            return 0;
    }
}

static int engine_register(engine *en, double timeout_s, pp_error *err)
{
    char host[64] = "?";
    gethostname(host, sizeof host - 1);
    int64_t pid = getpid();
    pp_value vals[2];
    if (pp_value_str(&vals[0], host) || pp_value_i64(&vals[1], &pid, 1))
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_header h = { .type = PP_MSG_REGISTER, .id = pp_msg_id_next(),
                    .engine = -1 };
    int rc = pp_msg_send(en->sock, en->signer, NULL, 0, &h, vals, 2, err);
    if (rc)
        return rc;
    pp_header rep;
    rc = await_reply(en, h.id, PP_MSG_REGISTERED, (int)(timeout_s * 1000),
                     &rep, err);
    if (rc == PP_ETIMEDOUT)
        return pp_error_set(err, rc,
                            "no controller answered at %s within %g s",
                            en->endpoint, timeout_s);
    if (rc)
        return rc;
    en->id = rep.engine;
    return 0;
}

static void engine_unregister(engine *en)
{
    pp_header h = { .type = PP_MSG_UNREGISTER, .id = pp_msg_id_next(),
                    .engine = en->id };
    pp_error err;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &h, NULL, 0, &err))
        return;
    engine_stop = 0; /* let the wait below run to its end */
    pp_header rep;
    if (await_reply(en, h.id, PP_MSG_UNREGISTER, 1000, &rep, &err))
        pp_warn("the controller did not confirm; leaving anyway");
}

/* Reads a str value into buf as a C string. */
static int str_arg(const pp_values *in, size_t i, const char *what,
                   char *buf, size_t size, pp_error *err)
{
    if (i >= in->n || in->v[i].type != PP_T_STR || in->v[i].size == 0
        || in->v[i].size >= size)
        return pp_error_set(err, PP_EINVAL, "the task lacks its %s", what);
    memcpy(buf, in->v[i].data, in->v[i].size);
    buf[in->v[i].size] = '\0';
    return 0;
}

static const pp_workload *find_workload(const char *name, pp_error *err)
{
    const pp_workload *w = pp_workload_find(name);
    if (!w)
        pp_error_set(err, PP_ENOENT, "no workload named '%s'", name);
    return w;
}

/* execute: out = workload(namespace[inputs...], extra args...). */
static int run_execute(engine *en, const pp_header *h, const pp_values *in,
                       pp_error *err)
{
    char inputs[256], output[PP_NAME_MAX * 4];
    int rc = str_arg(in, 0, "input names", inputs, sizeof inputs, err);
    if (!rc)
        rc = str_arg(in, 1, "output name", output, sizeof output, err);
    if (rc)
        return rc;
    const pp_workload *w = find_workload(h->name, err);
    if (!w)
        return PP_ENOENT;
    pp_value args[PP_MAX_VALUES];
    size_t nargs = 0;
    for (char *save = NULL, *name = strtok_r(inputs, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        const pp_value *v = ns_get(&en->ns, name);
        if (!v)
            return pp_error_set(err, PP_ENOENT,
                                "no variable '%s' (scatter or push it "
                                "first)",
                                name);
        if (nargs == PP_MAX_VALUES)
            return pp_error_set(err, PP_EINVAL, "too many inputs");
        pp_value_borrow(&args[nargs++], v->type, v->data, v->size);
    }
    for (size_t i = 2; i < in->n && nargs < PP_MAX_VALUES; i++)
        pp_value_borrow(&args[nargs++], in->v[i].type, in->v[i].data,
                        in->v[i].size);
    pp_values out = { 0 };
    rc = w->run(args, nargs, &out, err);
    if (!rc && out.n != 1)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s returned %zu values; execute stores exactly "
                          "one",
                          h->name, out.n);
    if (!rc && ns_set(&en->ns, output, &out.v[0]))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_values_free(&out);
    return rc;
}

static int run_task(engine *en, const pp_header *h, pp_values *in,
                    pp_values *out, pp_error *err)
{
    char name[PP_NAME_MAX * 4];
    switch (h->kind) {
    case PP_TASK_APPLY: {
        const pp_workload *w = find_workload(h->name, err);
        return w ? w->run(in->v, in->n, out, err) : PP_ENOENT;
    }
    case PP_TASK_EXECUTE:
        return run_execute(en, h, in, err);
    case PP_TASK_PUSH: {
        int rc = str_arg(in, 0, "variable name", name, sizeof name, err);
        if (rc)
            return rc;
        if (in->n != 2)
            return pp_error_set(err, PP_EINVAL, "push of '%s' needs a value",
                                name);
        return ns_set(&en->ns, name, &in->v[1])
                   ? pp_error_set(err, PP_ENOMEM, "out of memory")
                   : 0;
    }
    case PP_TASK_PULL: {
        int rc = str_arg(in, 0, "variable name", name, sizeof name, err);
        if (rc)
            return rc;
        const pp_value *v = ns_get(&en->ns, name);
        if (!v)
            return pp_error_set(err, PP_ENOENT, "no variable '%s'", name);
        pp_value copy;
        if (pp_value_copy(&copy, v) || pp_values_push(out, &copy))
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        return 0;
    }
    default:
        return pp_error_set(err, PP_EPROTO, "unknown task kind %u", h->kind);
    }
}

static void on_message(engine *en)
{
    pp_frames fr;
    pp_header h;
    pp_error err = { 0 };
    if (pp_frames_recv(en->sock, &fr, ZMQ_DONTWAIT, &err))
        return;
    if (pp_frames_verify(&fr, en->signer, &h, &err)) {
        pp_warn("dropped a message: %s", err.msg);
        pp_frames_close(&fr);
        return;
    }
    if (h.type == PP_MSG_STOP) {
        engine_stop = 1;
        pp_frames_close(&fr);
        return;
    }
    if (h.type != PP_MSG_TASK) {
        pp_frames_close(&fr);
        return;
    }
    pp_values in = { 0 }, out = { 0 };
    pp_header rep = {
        .type = PP_MSG_RESULT,
        .kind = h.kind,
        .id = pp_msg_id_next(),
        .parent = h.id,
        .engine = en->id,
        .t_submit = h.t_submit,
        .t_start = pp_now_ns(),
    };
    memcpy(rep.name, h.name, sizeof rep.name);
    int rc = pp_frames_take_values(&fr, &h, &in, &err);
    pp_frames_close(&fr);
    if (!rc)
        rc = run_task(en, &h, &in, &out, &err);
    pp_values_free(&in);
    rep.t_done = pp_now_ns();
    if (rc) {
        pp_values_free(&out);
        pp_debug("task %016llx failed: %s", (unsigned long long)h.id,
                 err.msg);
        pp_value text;
        if (pp_value_str(&text, err.msg) == 0)
            pp_values_push(&out, &text);
        rep.status = (int8_t)(rc < 0 ? rc : PP_EINVAL);
    }
    if (out.n > PP_MAX_VALUES) {
        pp_values_free(&out);
        pp_value text;
        if (pp_value_str(&text, "the workload returned too many values")
            == 0)
            pp_values_push(&out, &text);
        rep.status = PP_EINVAL;
    }
    pp_error serr;
    if (pp_msg_send(en->sock, en->signer, NULL, 0, &rep, out.v, out.n,
                    &serr))
        pp_warn("could not send a result: %s", serr.msg);
    free(out.v);
}

static void engine_close(engine *en)
{
    ns_free(&en->ns);
    pp_signer_destroy(&en->signer);
    if (en->sock) {
        int linger = 1000;
        zmq_setsockopt(en->sock, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(en->sock);
    }
    if (en->ctx)
        zmq_ctx_term(en->ctx);
}

int engine_run(const engine_config *cfg, pp_error *err)
{
    engine en = { .id = -1 };
    pp_conninfo ci;
    int rc = pp_conninfo_read(cfg->file, &ci, err);
    if (rc)
        return rc;
    pp_conninfo_endpoint(&ci, ci.engine_port, en.endpoint,
                         sizeof en.endpoint);
    en.signer = pp_signer_new(ci.key, sizeof ci.key, err);
    if (!en.signer)
        return err->code;
    en.ctx = zmq_ctx_new();
    en.sock = en.ctx ? zmq_socket(en.ctx, ZMQ_DEALER) : NULL;
    if (!en.sock) {
        engine_close(&en);
        return pp_error_set(err, PP_EZMQ, "no ZeroMQ socket: %s",
                            zmq_strerror(zmq_errno()));
    }
    uint8_t rid[16];
    if (getrandom(rid, sizeof rid, 0) != sizeof rid) {
        engine_close(&en);
        return pp_error_set(err, PP_EIO, "no random bytes for an identity");
    }
    rid[0] |= 1; /* ZeroMQ reserves identities starting with a zero byte */
    zmq_setsockopt(en.sock, ZMQ_ROUTING_ID, rid, sizeof rid);
    if (zmq_connect(en.sock, en.endpoint)) {
        rc = pp_error_set(err, PP_EZMQ, "cannot connect to %s: %s",
                          en.endpoint, zmq_strerror(zmq_errno()));
        engine_close(&en);
        return rc;
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    rc = engine_register(&en, cfg->timeout_s, err);
    if (rc) {
        pp_error_prefix(err, "%s: ", cfg->file);
        engine_close(&en);
        return rc == PP_EINTR ? 0 : rc;
    }
    pp_info("registered as engine %d with %s", en.id, en.endpoint);

    zmq_pollitem_t item = { en.sock, 0, ZMQ_POLLIN, 0 };
    while (!engine_stop) {
        int n = zmq_poll(&item, 1, 1000);
        if (n < 0 && zmq_errno() != EINTR) {
            pp_err("poll: %s", zmq_strerror(zmq_errno()));
            break;
        }
        if (n > 0)
            on_message(&en);
    }
    engine_unregister(&en);
    pp_info("engine %d stopped", en.id);
    engine_close(&en);
    return 0;
}
