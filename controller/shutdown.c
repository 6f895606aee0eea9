/* shutdown.c - a client's STOP (ipyparallel's Client.shutdown): the
 * engines named (or every engine) are sent a STOP of their own, which
 * each reads after the tasks it already holds; it then leaves as with
 * SIGTERM (it unregisters: its balanced tasks queued go back, and its
 * supervisor does not restart it).  With PP_STOP_CONTROLLER the
 * controller stops too, once its engines have gone (or after a grace),
 * removing its files as on SIGTERM.  An id no engine has refuses the
 * whole request: nothing is stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"
#include "log.h"

/* How long a stopping controller waits for its engines to leave. */
#define STOP_GRACE_NS 3000000000LL

/* Names the engines alive now into buf: "0, 1" or "none". */
static void alive_list(const hub *h, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int32_t i = 0; i < h->nengines && len + 24 < size; i++)
        if (h->engines[i].alive)
            len += (size_t)snprintf(buf + len, size - len, "%s%d",
                                    len ? ", " : "", h->engines[i].id);
    if (!len)
        snprintf(buf, size, "none");
}

static void tell_engine(hub *h, hub_engine *e)
{
    pp_header hd = { .type = PP_MSG_STOP, .id = pp_msg_id_next(),
                     .engine = e->id };
    pp_frames fr;
    pp_error err;
    if (pp_msg_build(h->signer, &hd, NULL, 0, &fr, &err)) {
        pp_warn("could not build a stop for engine %d: %s", e->id, err.msg);
        return;
    }
    if (hub_engine_send(h, e, fr.body, fr.nbody, false))
        pp_warn("engine %d could not be told to stop (not connected)",
                e->id);
    pp_frames_close(&fr);
}

void hub_shutdown(hub *h, pp_frames *fr, const pp_header *hd,
                  pp_header *rep)
{
    uint8_t rid[RID_MAX];
    size_t len = hub_client_rid(h, fr, rid);
    if (!len)
        return;
    if (hd->flags & ~PP_STOP_CONTROLLER) {
        hub_reply_error(h, rid, len, hd, -1, PP_EINVAL,
                        "a stop's flags 0x%x name no known flag",
                        (unsigned)hd->flags);
        return;
    }
    if (hd->nvalues > 1
        || (hd->nvalues == 1
            && (hd->types[0] != PP_T_I64
                || zmq_msg_size(&fr->body[3]) % sizeof(int64_t)))) {
        hub_reply_error(h, rid, len, hd, -1, PP_EINVAL, "%s",
               "a stop names its engines in one i64 array of engine ids "
               "(or none, for every engine)");
        return;
    }
    size_t n = hd->nvalues ? zmq_msg_size(&fr->body[3]) / sizeof(int64_t)
                           : 0;
    const uint8_t *ids = hd->nvalues ? zmq_msg_data(&fr->body[3]) : NULL;
    for (size_t i = 0; i < n; i++) {
        int64_t id;
        memcpy(&id, ids + i * sizeof id, sizeof id);
        if (id < 0 || id > INT32_MAX || !hub_engine_by_id(h, (int32_t)id)) {
            char list[200];
            alive_list(h, list, sizeof list);
            hub_reply_error(h, rid, len, hd, -1, PP_ENOENT,
                            "no engine %lld is registered (engines: %s); "
                            "nothing was stopped",
                            (long long)id, list);
            return;
        }
    }
    int64_t told = 0;
    for (int32_t i = 0; i < h->nengines; i++) {
        hub_engine *e = &h->engines[i];
        bool named = !ids;
        for (size_t k = 0; k < n && !named; k++) {
            int64_t id;
            memcpy(&id, ids + k * sizeof id, sizeof id);
            named = id == e->id;
        }
        if (e->alive && named && !e->stop_sent) {
            tell_engine(h, e);
            e->stop_sent = true;
            told++;
        }
    }
    bool controller = hd->flags & PP_STOP_CONTROLLER;
    pp_info("a client stops %lld engine%s%s", (long long)told,
            told == 1 ? "" : "s", controller ? " and the controller" : "");
    pp_value v;
    if (pp_value_i64(&v, &told, 1) == 0)
        hub_client_reply(h, rid, len, rep, &v, 1);
    if (controller && !h->stop_at_ns)
        h->stop_at_ns = pp_mono_ns() + STOP_GRACE_NS;
}

bool hub_stopped(hub *h)
{
    if (!h->stop_at_ns)
        return false;
    for (int32_t i = 0; i < h->nengines; i++)
        if (h->engines[i].alive)
            return pp_mono_ns() >= h->stop_at_ns;
    return true;
}
