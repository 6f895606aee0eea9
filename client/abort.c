/* abort.c - aborting tasks that have not started (ipyparallel's
 * AsyncResult.abort and Client.abort): the controller takes out those it
 * still holds and fails them (docs/protocol.md, ABORT); tasks held here
 * for their `after` tasks are failed here. */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "log.h"

#define ABORTED_TEXT "aborted before it ran"
/* Ids per ABORT: 512 KiB at most, and no more than the controller's frame
 * limit (--max-message-size, 1 KiB at least): a bigger frame would cost
 * the client its connection, and the abort its answer. */
#define IDS_PER_REQUEST 65536

/* One ABORT naming n ids (ids NULL: all of the client's), its answer
 * added to counts.  The aborted tasks' failures come before the answer on
 * the same connection, so they are filed by the time it is read. */
static int abort_request(pp_client *c, const uint64_t *ids, size_t n,
                         pp_abort_counts *counts, pp_error *err)
{
    pp_header h = { .type = PP_MSG_ABORT, .id = pp_msg_id_next(),
                    .engine = -1, .t_submit = pp_now_ns() };
    pp_value v;
    int rc = 0;
    if (ids && (rc = pp_value_i64(&v, (const int64_t *)ids, n)))
        return pp_error_set(err, rc, "out of memory");
    rc = pp_msg_send(c->sock, c->signer, NULL, 0, &h, ids ? &v : NULL,
                     ids ? 1 : 0, err);
    /* An interrupt is why a program aborts: the answer is still awaited,
     * for as long as the controller is given to answer anything. */
    volatile sig_atomic_t *interrupt = c->interrupt;
    c->interrupt = NULL;
    int64_t deadline = pp_mono_ns() + c->patience_ns;
    pp_values out = { 0 };
    bool got = false;
    while (!rc && !got)
        rc = client_pump(c, deadline, h.id, &got, &out, err);
    c->interrupt = interrupt;
    if (rc == PP_ETIMEDOUT)
        return pp_error_set(err, rc,
                            "no answer from the controller at %s to the "
                            "abort within %.1f s: the tasks may or may not "
                            "have been aborted",
                            c->endpoint, (double)c->patience_ns / 1e9);
    if (!rc && (out.n != 1 || out.v[0].type != PP_T_I64
                || pp_value_count(&out.v[0]) != 3))
        rc = pp_error_set(err, PP_EPROTO, "malformed abort reply");
    if (!rc) {
        const int64_t *k = pp_value_i64s(&out.v[0]);
        counts->aborted += (size_t)k[0];
        counts->running += (size_t)k[1];
        counts->unknown += (size_t)k[2];
    }
    pp_values_free(&out);
    return rc;
}

/* Fails a's tasks held here for their `after` tasks; how many. */
static size_t abort_held(pp_client *c, pp_async *a)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nheld;) {
        held_task *t = c->held[i];
        task_ref *r = pp_idmap_get(&c->tasks, t->h.id);
        if (!r || r->a != a) {
            i++;
            continue;
        }
        c->held[i] = c->held[--c->nheld];
        async_fail_slot(a, r->slot, PP_EABORTED, ABORTED_TEXT);
        client_held_drop(c, t);
        n++;
    }
    /* Tasks of other results held for these fail in turn. */
    if (n && c->nheld)
        client_release_held(c);
    return n;
}

int pp_async_abort(pp_async *a, pp_abort_counts *counts, pp_error *err)
{
    pp_abort_counts mine = { 0 };
    pp_client *c = a->client;
    mine.aborted = abort_held(c, a);
    size_t per = IDS_PER_REQUEST;
    if (c->max_message / (int64_t)sizeof(uint64_t) < (int64_t)per)
        per = c->max_message > (int64_t)sizeof(uint64_t)
                  ? (size_t)(c->max_message / (int64_t)sizeof(uint64_t))
                  : 1;
    uint64_t *ids = malloc((a->n < per ? a->n : per) * sizeof *ids + 1);
    if (!ids)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = 0;
    size_t n = 0;
    for (size_t i = 0; !rc && i <= a->n; i++) {
        /* The slots are read as the loop goes: filing an answer's
         * failures changes them, not their number. */
        if (i < a->n && a->slots[i].sent && !a->slots[i].done)
            ids[n++] = a->slots[i].id;
        if (n == per || (i == a->n && n)) {
            rc = abort_request(c, ids, n, &mine, err);
            n = 0;
        }
    }
    free(ids);
    if (counts)
        *counts = mine;
    return rc;
}

int pp_client_abort_all(pp_client *c, pp_abort_counts *counts,
                        pp_error *err)
{
    pp_abort_counts mine = { 0 };
    int rc = abort_request(c, NULL, 0, &mine, err);
    if (counts)
        *counts = mine;
    return rc;
}
