/* pi_run.c - the task graph of a pi computation, and its local twin. */
#include "pi_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pi.h"
#include "view.h"

uint64_t pp_memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %" SCNu64 " kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

/* Task indices in the async result, for the phase label. */
typedef struct graph {
    size_t sqrt_task;
    size_t first_leaf, nleaves;
    size_t first_merge, nmerges;
    size_t divide_task;
    size_t first_decimal, ndecimals;
} graph;

static bool all_done(pp_async *a, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++)
        if (!pp_async_task_done(a, i))
            return false;
    return true;
}

static const char *phase(pp_async *a, void *ctx)
{
    const graph *g = ctx;
    if (!all_done(a, g->first_leaf, g->nleaves))
        return "series";
    if (!all_done(a, g->first_merge, g->nmerges))
        return "merge";
    if (!pp_async_task_done(a, g->sqrt_task))
        return "square root";
    if (!pp_async_task_done(a, g->divide_task))
        return "division";
    return "conversion";
}

static int submit(pp_view *v, pp_async **a, const char *workload,
                  const uint64_t *after, size_t nafter, const int64_t *own,
                  size_t nown, uint64_t *id, pp_error *err)
{
    pp_task_opts flags = { .retries = 1, .after = after, .nafter = nafter,
                           .after_args = nafter ? PP_AFTER_MOVE
                                                : PP_AFTER_NONE };
    int rc = pp_view_set_flags(v, &flags, err);
    pp_value arg;
    if (!rc)
        rc = pp_value_i64(&arg, own, nown);
    if (!rc) {
        rc = pp_view_submit(v, a, workload, &arg, 1, err);
        *id = pp_async_task_id(*a, pp_async_len(*a) - 1);
    }
    return rc;
}

/* Submits the merge tree over leaves [lo, hi); *id is its root's task. */
static int submit_tree(pp_view *v, pp_async **a, const uint64_t *leaf_ids,
                       unsigned lo, unsigned hi, unsigned nleaves,
                       uint64_t *id, pp_error *err)
{
    if (hi - lo == 1) {
        *id = leaf_ids[lo];
        return 0;
    }
    unsigned mid = pp_pi_tree_mid(lo, hi);
    uint64_t kids[2];
    int rc = submit_tree(v, a, leaf_ids, lo, mid, nleaves, &kids[0], err);
    if (!rc)
        rc = submit_tree(v, a, leaf_ids, mid, hi, nleaves, &kids[1], err);
    /* Merges on the right edge of the tree end at the last term: their P
     * is never used. */
    int64_t need_p = hi != nleaves;
    if (!rc)
        rc = submit(v, a, "pi_merge", kids, 2, &need_p, 1, id, err);
    return rc;
}

static int run_local(const pp_pi_run_opts *o, char **out,
                     pp_pi_run_stats *st, pp_error *err)
{
    char *digits = malloc(o->digits + 1);
    if (!digits)
        return pp_error_set(err, PP_ENOMEM, "no memory for %" PRIu64
                                            " digits",
                            o->digits);
    unsigned leaves = o->leaves ? o->leaves : 1;
    if (o->progress)
        fprintf(o->progress,
                "pi: %" PRIu64 " digits in this process (series, merge, "
                "square root, division, conversion)\n",
                o->digits);
    pp_pi_times t = { 0 };
    pp_pi_tune_malloc();
    int64_t t0 = pp_now_ns();
    int rc = pp_pi_compute_timed(o->digits, leaves, digits, &t, err);
    if (rc) {
        free(digits);
        return rc;
    }
    st->leaves = leaves;
    st->tasks = 0;
    st->seconds = (double)(pp_now_ns() - t0) / 1e9;
    st->serial_seconds = st->seconds;
    if (o->progress)
        fprintf(o->progress,
                "pi: series %.2f s, merge %.2f s, square root %.2f s, "
                "division %.2f s, conversion %.2f s\n",
                t.series, t.merge, t.sqrt, t.division, t.conversion);
    *out = digits;
    return 0;
}

int pp_pi_run(pp_client *c, const pp_pi_run_opts *o, char **out,
              pp_pi_run_stats *st, pp_error *err)
{
    memset(st, 0, sizeof *st);
    *out = NULL;
    if (!c)
        return run_local(o, out, st, err);

    int64_t *ids = NULL;
    size_t nengines = 0;
    int rc = pp_client_ids(c, &ids, &nengines, err);
    free(ids);
    if (rc)
        return rc;
    uint64_t n = o->digits, terms = pp_pi_terms(n);
    unsigned leaves = o->leaves ? o->leaves
                                : (unsigned)(nengines ? 2 * nengines : 2);
    if (leaves > terms)
        leaves = (unsigned)terms;
    uint64_t bits = pp_pi_work_bits(n, 0);
    /* Two halves of the conversion only when there is something to cut. */
    bool halves = n >= 1000 && nengines > 1;

    pp_view *v = pp_client_balanced(c, err);
    if (!v)
        return err->code;
    pp_async *a = NULL;
    graph g = { 0 };
    uint64_t *leaf_ids = calloc(leaves, sizeof *leaf_ids);
    uint64_t sqrt_id = 0, root = 0, divide_id = 0, id;
    rc = leaf_ids ? 0 : pp_error_set(err, PP_ENOMEM, "out of memory");
    /* The square root needs nothing from the series: it goes first and
     * runs while the leaves do. */
    int64_t bits_arg = (int64_t)bits;
    if (!rc) {
        g.sqrt_task = 0;
        rc = submit(v, &a, "pi_sqrt", NULL, 0, &bits_arg, 1, &sqrt_id, err);
    }
    g.first_leaf = 1;
    g.nleaves = leaves;
    for (unsigned i = 0; !rc && i < leaves; i++) {
        uint64_t lo, hi;
        pp_pi_leaf_range(terms, leaves, i, &lo, &hi);
        int64_t range[3] = { (int64_t)lo, (int64_t)hi, hi != terms };
        rc = submit(v, &a, "pi_leaf", NULL, 0, range, 3, &leaf_ids[i], err);
    }
    g.first_merge = 1 + leaves;
    g.nmerges = leaves - 1;
    if (!rc)
        rc = submit_tree(v, &a, leaf_ids, 0, leaves, leaves, &root, err);
    uint64_t divide_after[2] = { root, sqrt_id };
    g.divide_task = g.first_merge + g.nmerges;
    if (!rc)
        rc = submit(v, &a, "pi_divide", divide_after, 2, &bits_arg, 1,
                    &divide_id, err);
    g.first_decimal = g.divide_task + 1;
    g.ndecimals = halves ? 2 : 1;
    for (int half = halves ? 0 : -1; !rc && half <= (halves ? 1 : -1);
         half++) {
        int64_t nh[2] = { (int64_t)n, half };
        pp_task_opts copy = { .retries = 1, .after = &divide_id,
                              .nafter = 1, .after_args = PP_AFTER_COPY };
        pp_value arg;
        rc = pp_view_set_flags(v, &copy, err);
        if (!rc)
            rc = pp_value_i64(&arg, nh, 2);
        if (!rc)
            rc = pp_view_submit(v, &a, "pi_decimal", &arg, 1, err);
        (void)id;
    }
    free(leaf_ids);
    if (!rc) {
        if (o->progress)
            fprintf(o->progress,
                    "pi: %" PRIu64 " digits on %zu engines: %u leaves, %u "
                    "merges, square root, division, conversion%s\n",
                    n, nengines, leaves, leaves - 1,
                    halves ? " in two halves" : "");
        pp_async_set_label(a, phase, &g);
        rc = o->progress ? pp_async_wait_interactive(a, o->progress, 5, err)
                         : pp_async_wait(a, -1, err);
    }
    if (!rc)
        rc = pp_async_first_error(a, err);
    char *digits = NULL;
    if (!rc && !(digits = malloc(n + 1)))
        rc = pp_error_set(err, PP_ENOMEM, "no memory for the digits");
    size_t at = 0;
    for (size_t i = 0; !rc && i < g.ndecimals; i++) {
        const pp_values *vals;
        rc = pp_async_result(a, g.first_decimal + i, &vals, err);
        if (!rc && (vals->n != 1 || vals->v[0].type != PP_T_BYTES
                    || at + vals->v[0].size > n))
            rc = pp_error_set(err, PP_EPROTO,
                              "pi_decimal returned the wrong digits");
        if (!rc) {
            memcpy(digits + at, vals->v[0].data, vals->v[0].size);
            at += vals->v[0].size;
        }
    }
    if (!rc && at != n)
        rc = pp_error_set(err, PP_EPROTO,
                          "the conversion gave %zu digits, not %" PRIu64, at,
                          n);
    if (a) {
        pp_async_timing t;
        pp_async_timing_get(a, &t);
        st->leaves = leaves;
        st->tasks = pp_async_len(a);
        st->seconds = t.wall;
        st->serial_seconds = t.serial;
    }
    pp_async_destroy(&a);
    pp_view_destroy(&v);
    if (rc) {
        free(digits);
        return rc;
    }
    digits[n] = '\0';
    *out = digits;
    return 0;
}
