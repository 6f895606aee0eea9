/* shutdown.c - stopping engines, and the controller, from a client
 * (pp_client_shutdown; docs/protocol.md, STOP). */
#include "client_internal.h"

#include <stdlib.h>

int pp_client_shutdown(pp_client *c, const int64_t *ids, size_t n,
                       bool controller, size_t *told, pp_error *err)
{
    pp_header h = { .type = PP_MSG_STOP, .id = pp_msg_id_next(),
                    .engine = -1, .t_submit = pp_now_ns(),
                    .flags = controller ? PP_STOP_CONTROLLER : 0 };
    pp_value v;
    if (ids && pp_value_i64(&v, ids, n))
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = pp_msg_send(c->sock, c->signer, NULL, 0, &h, ids ? &v : NULL,
                         ids ? 1 : 0, err);
    int64_t deadline = pp_mono_ns() + c->patience_ns;
    pp_values out = { 0 };
    bool got = false;
    while (!rc && !got)
        rc = client_pump(c, deadline, h.id, &got, &out, err);
    if (rc == PP_ETIMEDOUT)
        return pp_error_set(err, rc,
                            "no answer from the controller at %s to the "
                            "stop within %.1f s: the engines may or may not "
                            "stop",
                            c->endpoint, (double)c->patience_ns / 1e9);
    if (!rc && (out.n != 1 || out.v[0].type != PP_T_I64
                || pp_value_count(&out.v[0]) != 1))
        rc = pp_error_set(err, PP_EPROTO, "malformed stop reply");
    if (!rc && told)
        *told = (size_t)pp_value_i64s(&out.v[0])[0];
    pp_values_free(&out);
    return rc;
}
