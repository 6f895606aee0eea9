/* pending.c - a client's PENDING: which of the tasks it names does this
 * controller hold (queued, parked, held for an engine, or at one)?
 * ipyparallel's result_status, for the one case a client needs it: it
 * finds its controller restarted, and of the tasks it has in flight, those
 * sent to the one that died were lost with it, while those still in its
 * socket's queue when the new one came reached the new one and run there.
 * Messages from one client arrive in the order it sent them, so by this
 * request the controller has seen every task sent before it.  Only the
 * client's own tasks count, as for an ABORT. */
#include <stdlib.h>
#include <string.h>

#include "hub_internal.h"

void hub_reply_pending(hub *h, pp_frames *fr, const pp_header *hd,
                       pp_header *rep)
{
    uint8_t rid[RID_MAX];
    size_t len = hub_client_rid(h, fr, rid);
    if (!len)
        return;
    if (hd->nvalues != 1 || hd->types[0] != PP_T_I64
        || zmq_msg_size(&fr->body[3]) % sizeof(uint64_t)) {
        hub_reply_error(h, rid, len, hd, -1, PP_EINVAL, "%s",
                        "a pending request names its tasks in one i64 "
                        "array of task ids");
        return;
    }
    size_t nids = zmq_msg_size(&fr->body[3]) / sizeof(uint64_t);
    const uint8_t *ids = zmq_msg_data(&fr->body[3]);
    int64_t *held = malloc(nids * sizeof *held + 1);
    if (!held) {
        hub_reply_error(h, rid, len, hd, -1, PP_ENOMEM, "%s",
                        "the controller has no memory for the request");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < nids; i++) {
        uint64_t id;
        /* Unaligned; little-endian, as every value (docs/protocol.md) */
        memcpy(&id, ids + i * sizeof id, sizeof id);
        const hub_task *t = pp_idmap_get(&h->tasks, id);
        if (t && t->client_len == len && memcmp(t->client, rid, len) == 0)
            held[n++] = (int64_t)id;
    }
    pp_value v;
    pp_value_take(&v, PP_T_I64, held, n * sizeof *held);
    hub_client_reply(h, rid, len, rep, &v, 1);
}
