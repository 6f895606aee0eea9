/* pi_timeline.c - the tasks of a pi run as a model needs them. */
#include "pi_timeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int pp_pi_timeline_add(pp_pi_timeline *tl, const char *name, uint64_t id,
                       const uint64_t *after, const uint32_t *take,
                       size_t nafter, uint64_t own_bytes, pp_error *err)
{
    if (nafter > PP_PI_TIMELINE_DEPS)
        return pp_error_set(err, PP_EINVAL,
                            "timeline: %zu dependencies, at most %d", nafter,
                            PP_PI_TIMELINE_DEPS);
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? 2 * tl->cap : 32;
        pp_pi_timeline_task *t = realloc(tl->t, cap * sizeof *t);
        if (t)
            tl->t = t;
        uint64_t *ids = t ? realloc(tl->ids, cap * sizeof *ids) : NULL;
        if (!ids)
            return pp_error_set(err, PP_ENOMEM, "timeline: out of memory");
        tl->ids = ids;
        tl->cap = cap;
    }
    pp_pi_timeline_task *t = &tl->t[tl->n];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->own_bytes = own_bytes;
    for (size_t k = 0; k < nafter; k++) {
        size_t i = 0;
        while (i < tl->n && tl->ids[i] != after[k])
            i++;
        if (i == tl->n)
            return pp_error_set(err, PP_EINVAL,
                                "timeline: task %zu waits for a task it "
                                "does not know",
                                tl->n);
        t->take[t->ndeps] = take ? take[k] : UINT32_MAX;
        t->deps[t->ndeps++] = i;
    }
    tl->ids[tl->n++] = id;
    return 0;
}

int pp_pi_timeline_wait(pp_pi_timeline *tl, pp_async *a, pp_error *err)
{
    size_t n = pp_async_len(a) < tl->n ? pp_async_len(a) : tl->n;
    for (;;) {
        /* A short wait: the arrival of a result is known to a ms. */
        int rc = pp_async_wait(a, 0.001, err);
        if (rc && rc != PP_ETIMEDOUT)
            return rc;
        int64_t now = pp_now_ns();
        for (size_t i = 0; i < n; i++)
            if (!tl->t[i].received && pp_async_task_done(a, i))
                tl->t[i].received = now;
        if (!rc)
            return 0;
    }
}

/* The bytes of the values of a task's result that `take` names (bit k:
 * value k), or 0 when it has none (failed). */
static uint64_t result_bytes(pp_async *a, size_t i, uint32_t take)
{
    const pp_values *vals;
    pp_error err;
    if (pp_async_result(a, i, &vals, &err))
        return 0;
    uint64_t sum = 0;
    for (size_t k = 0; k < vals->n && k < 32; k++)
        if (take >> k & 1)
            sum += vals->v[k].size;
    return sum;
}

void pp_pi_timeline_print(const pp_pi_timeline *tl, pp_async *a,
                          uint64_t digits, size_t engines, unsigned leaves,
                          double wall, FILE *out)
{
    size_t n = pp_async_len(a) < tl->n ? pp_async_len(a) : tl->n;
    int64_t t0 = n ? pp_async_meta(a, 0)->submitted : 0;
    fprintf(out,
            "pi: timeline digits %" PRIu64 " engines %zu leaves %u wall "
            "%.3f\n",
            digits, engines, leaves, wall);
    uint64_t *outb = calloc(n ? n : 1, sizeof *outb);
    for (size_t i = 0; outb && i < n; i++)
        outb[i] = result_bytes(a, i, UINT32_MAX);
    for (size_t i = 0; i < n; i++) {
        const pp_task_meta *m = pp_async_meta(a, i);
        const pp_pi_timeline_task *t = &tl->t[i];
        uint64_t in = t->own_bytes;
        char after[64] = "-";
        size_t at = 0;
        for (size_t k = 0; k < t->ndeps; k++) {
            in += t->take[k] == UINT32_MAX
                      ? (outb ? outb[t->deps[k]] : 0)
                      : result_bytes(a, t->deps[k], t->take[k]);
            at += (size_t)snprintf(after + at, sizeof after - at, "%s%zu",
                                   k ? "," : "", t->deps[k]);
        }
        int64_t rcv = t->received ? t->received : m->completed;
        fprintf(out,
                "pi: task %2zu %-15s engine %d  sent %8.3f  start %8.3f  "
                "end %8.3f  received %8.3f  after %s  in %" PRIu64
                "  out %" PRIu64 "\n",
                i, t->name, m->engine, (double)(m->submitted - t0) / 1e9,
                (double)(m->started - t0) / 1e9,
                (double)(m->completed - t0) / 1e9, (double)(rcv - t0) / 1e9,
                after, in, outb ? outb[i] : 0);
    }
    free(outb);
}

void pp_pi_timeline_free(pp_pi_timeline *tl)
{
    free(tl->t);
    free(tl->ids);
    memset(tl, 0, sizeof *tl);
}
