/* pi_run.c - the task graph of a pi computation, and its local twin. */
#include "pi_run.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pi.h"
#include "pi_timeline.h"
#include "pipar/view.h"
#include "wire.h"

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

/* The left side's share of the series beyond its count of leaves, with
 * three leaves or more (two: pp_pi_two_leaf_share). */
#define LEFT_EXTRA 0.02

/* The same with more engines (the folded finish, submit_finish_folded):
 * less, the division and the share of the right range ending together.
 * bench/pi_plan, 1.5e8 digits on 8 engines over the Pi LAN, from
 * timelines taken in turns, 14 leaves cut at 7: left share 0.52, 44.6 s
 * (the division ended 3.1 s after the share); 0.46, 43.2 s (2.5 s);
 * 0.40, 46.3 s (the share 3.4 s after the division); 12 leaves cut at
 * 7 (left_cut): 0.54, the share 1.9 s after the division. */
#define LEFT_LESS_FOLDED 0.02

/* Task indices in the async result, for the phase label. */
typedef struct graph {
    size_t sqrt_task;
    size_t first_leaf, nleaves;
    size_t first_merge, nmerges; /* merge tasks: a split merge is two */
    size_t first_finish, nfinish; /* the division, or it and the share's
                                   * one or two steps */
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
    if (!all_done(a, g->first_finish, g->nfinish))
        return "division";
    return "conversion";
}

/* Where tasks go: the view, the async result they join, and the
 * timeline (NULL unless PIPAR_PI_TIMELINE is set). */
typedef struct sink {
    pp_view *v;
    pp_async *a;
    pp_pi_timeline *tl;
} sink;

/* Submits workload(results of `after`, own); a task whose after results
 * feed only it moves them, one that shares them with others shares them
 * (the last one released moves them: the driver keeps no result longer
 * than the tasks that read it wait); with take, only the values of each
 * result it reads (pp_task_opts.after_take).  With a timeline all copy:
 * the sizes of the results are read at the end. */
static int submit_take(sink *s, const char *workload, const uint64_t *after,
                       const uint32_t *take, size_t nafter,
                       pp_after_args how, const int64_t *own, size_t nown,
                       uint64_t *id, pp_error *err)
{
    if (s->tl && how != PP_AFTER_NONE)
        how = PP_AFTER_COPY;
    pp_view *v = s->v;
    pp_async **a = &s->a;
    pp_task_opts flags = { .retries = 1, .after = after, .nafter = nafter,
                           .after_args = nafter ? how : PP_AFTER_NONE,
                           .after_take = nafter ? take : NULL };
    int rc = pp_view_set_flags(v, &flags, err);
    pp_value arg;
    if (!rc && nown)
        rc = pp_value_i64(&arg, own, nown);
    if (!rc) {
        rc = pp_view_submit(v, a, workload, &arg, nown ? 1 : 0, err);
        if (!rc)
            *id = pp_async_task_id(*a, pp_async_len(*a) - 1);
    }
    if (!rc && s->tl)
        rc = pp_pi_timeline_add(s->tl, workload, *id, after, take, nafter,
                                8 * (uint64_t)nown, err);
    return rc;
}

static int submit_as(sink *s, const char *workload, const uint64_t *after,
                     size_t nafter, pp_after_args how, const int64_t *own,
                     size_t nown, uint64_t *id, pp_error *err)
{
    return submit_take(s, workload, after, NULL, nafter, how, own, nown, id,
                       err);
}

static int submit(sink *s, const char *workload, const uint64_t *after,
                  size_t nafter, const int64_t *own, size_t nown,
                  uint64_t *id, pp_error *err)
{
    return submit_as(s, workload, after, nafter, PP_AFTER_MOVE, own, nown,
                     id, err);
}

/* A range's P, Q, T: one task's results (a leaf or a whole merge), or two
 * (a split merge: pi_merge_pq's P and Q, then pi_merge_t's T). */
typedef struct range_ids {
    uint64_t id[2];
    size_t n;
} range_ids;

/* The values of a range's results that a task reads (one bit per value,
 * for pp_task_opts.after_take): of P, Q, T, those in `want` ("PT": P and
 * T), from a range of one task (P, Q, T) or of two (P, Q; T).  Sets
 * take[0 .. r->n) and returns r->n. */
static size_t range_take(const range_ids *r, const char *want,
                         uint32_t *take)
{
    uint32_t pqt = 0;
    for (const char *w = want; *w; w++)
        pqt |= 1u << (*w == 'P' ? 0 : *w == 'Q' ? 1 : 2);
    if (r->n == 1) {
        take[0] = pqt;
        return 1;
    }
    take[0] = pqt & 3;
    take[1] = pqt >> 2;
    return 2;
}

/* With this many leaves (graphs of four engines and more) the top merge
 * of each side is split in two tasks: it waits for the level below while
 * other engines have nothing to do, and half its products end sooner.
 * bench/pi_plan, 1.5e8 digits, 14 leaves on 8 engines over the Pi LAN:
 * 47.8 s with no merge split, 45.1 s with the top one of each side,
 * 45.5 s with all of them.  The lower ones are not split: a split
 * merge's inputs feed two tasks, so the driver keeps them (copied, not
 * moved) until the end: at 1e7 digits its peak grew from 64 MB to 77 MB
 * with the top merges split, to 104 MB with all.  (The left side's top
 * merge then went into the division and the share: see
 * submit_finish_folded; only the right side's is split.)  These graphs
 * also take from each result only the values a task reads: 46.2 s to
 * 44.3 s (the T half of a split merge reads P1, T1, Q2, T2 of six, a
 * side of the conversion's tree one of its parent's two values). */
#define SPLIT_MIN_LEAVES 6
#define SPLIT_LEVELS 1

/* With this many leaves (graphs of four engines and more, whose left
 * range has a leaf an engine but one: left_cut) the left range's leaves
 * go first, in the round of the square root, and the right range's after
 * them: the division waits for the left range alone.  bench/pi_plan,
 * 1.5e8 digits, 14 leaves on 8 engines, Pi LAN: 46.3 s, from 48.0 s
 * with the sides by turns. */
#define LEFT_FIRST_MIN_LEAVES 6

/* The left range's leaves in a graph of `leaves` >= SPLIT_MIN_LEAVES
 * leaves: that of K engines (pp_pi_run's default, about 3K / 2 leaves)
 * has K - 1, the round of the square root, and the right range the rest:
 * fewer than K - 1, so that while they run the left range's first merges
 * have engines.  bench/pi_plan, 1.5e8 digits on 8 engines over the Pi
 * LAN, timelines taken in turns: 14 leaves cut at 7, 54.6 s; 12 cut at
 * 7, 52.3 s (a busy machine: both some 25 % above a quiet one's). */
static unsigned left_cut(unsigned leaves)
{
    return (2 * leaves - 1) / 3;
}

/* The engines K whose graph has `leaves` leaves, about: K - 1 + K - (K -
 * 1) / 2 = leaves. */
static unsigned graph_engines(unsigned leaves)
{
    return (2 * leaves + 2) / 3;
}

/* Submits the merge tree over leaves [lo, hi); *r is its root's tasks;
 * the merges of its top `split` levels are split in two tasks; *nmerges
 * counts the tasks. */
static int submit_tree(sink *s, const uint64_t *leaf_ids, unsigned lo,
                       unsigned hi, unsigned nleaves, unsigned split,
                       range_ids *r, size_t *nmerges, pp_error *err)
{
    if (hi - lo == 1) {
        *r = (range_ids){ { leaf_ids[lo], 0 }, 1 };
        return 0;
    }
    unsigned mid = pp_pi_tree_mid(lo, hi);
    range_ids kids[2];
    unsigned below = split ? split - 1 : 0;
    int rc = submit_tree(s, leaf_ids, lo, mid, nleaves, below, &kids[0],
                         nmerges, err);
    if (!rc)
        rc = submit_tree(s, leaf_ids, mid, hi, nleaves, below, &kids[1],
                         nmerges, err);
    /* Merges on the right edge of the tree end at the last term: their P
     * is never used. */
    int64_t need_p = hi != nleaves;
    if (rc)
        return rc;
    uint64_t all[4];
    size_t nall = 0;
    for (int k = 0; k < 2; k++)
        for (size_t j = 0; j < kids[k].n; j++)
            all[nall++] = kids[k].id[j];
    if (!split) {
        *r = (range_ids){ { 0, 0 }, 1 };
        (*nmerges)++;
        return submit(s, "pi_merge", all, nall, &need_p, 1, &r->id[0],
                      err);
    }
    /* P and Q need only the P and Q of a split side: its first task; of
     * a whole one, its P and Q are taken, not its T. */
    uint64_t pq_after[2] = { kids[0].id[0], kids[1].id[0] };
    uint32_t pq_take[2] = { 3, 3 };
    int64_t pq_args[3] = { need_p, 2, 2 };
    *r = (range_ids){ { 0, 0 }, 2 };
    *nmerges += 2;
    rc = submit_take(s, "pi_merge_pq", pq_after, pq_take, 2, PP_AFTER_SHARE,
                     pq_args, 3, &r->id[0], err);
    /* T = T1 Q2 + P1 T2: P1, T1, Q2, T2 alone. */
    uint32_t t_take[4];
    size_t nt = range_take(&kids[0], "PT", t_take);
    range_take(&kids[1], "QT", t_take + nt);
    if (!rc)
        rc = submit_take(s, "pi_merge_t", all, t_take, nall, PP_AFTER_SHARE,
                         NULL, 0, &r->id[1], err);
    return rc;
}

/* With the root's cut in two tasks (submit_conversion), the left side's
 * share of the digits beyond its share of the pieces: it starts while
 * the right one still multiplies by 5^h.  bench/pi_plan, 1.5e8 digits on
 * 8 engines over the Pi LAN, the graph of 12 leaves, timelines of one
 * engine taken in turns (the tasks before the conversion at their best
 * of all, the messaging fitted over all), best of 5 to 10 each: 41.0 s
 * with no extra, 41.2 s with 0.06, 40.6 s with 0.1, 40.2 s with 0.15,
 * 41.3 s with 0.2; with pi_pow5, 40.8 s with none, 39.8 s with 0.1,
 * 40.3 s with 0.15 (the root in one task: 42.4 s). */
#define ROOT_LEFT_EXTRA 0.1

/* The values of a cut's result (y0, m0, y1, m1) that each side takes. */
static const uint32_t TAKE_SIDE[2] = { 3, 12 };

/* The conversion of digits [0, n) of the value that `after` gives (side
 * -1: the division and pi_tail; 0 or 1: that side of a cut, taken alone
 * (take)) in `pieces` pieces: a cut, then each side in its share of the
 * pieces, the sides on other engines.  at[*k] is the async index of each
 * piece's digits, in order, len[*k] its count of digits (the pieces come
 * packed: pp_pi_digits_pack). */
static int submit_conversion(sink *s, uint64_t *after, const uint32_t *take,
                             size_t nafter, int side, uint64_t n,
                             unsigned pieces, size_t *at, uint64_t *len,
                             unsigned *k, const uint64_t *pow,
                             pp_error *err)
{
    uint64_t id;
    if (pieces == 1) {
        int64_t a[2] = { (int64_t)n, side };
        int rc = submit_take(s, "pi_decimal_side", after, take, nafter,
                             PP_AFTER_SHARE, a, 2, &id, err);
        if (!rc) {
            len[*k] = n;
            at[(*k)++] = pp_async_len(s->a) - 1;
        }
        return rc;
    }
    /* Digits in proportion to pieces: a side's conversion costs about
     * the same per digit wherever it is. */
    unsigned left = pieces / 2;
    uint64_t h = n * left / pieces;
    if (side < 0) {
        /* The root's cut in two tasks, each side alone: the left one is
         * a short product and a shift, the right one the tail's whole
         * product and the one by 5^h, so that the left side of the tree
         * starts while the right one's cut still runs, and takes more
         * of the digits (ROOT_LEFT_EXTRA).  The right goes first: its
         * arguments are on the link first. */
        h = (uint64_t)((double)n * ((double)left / pieces
                                    + ROOT_LEFT_EXTRA));
        if (h >= n - (pieces - left))
            h = n - (pieces - left);
        uint64_t ids[2], right_after[3] = { after[0], after[1], 0 };
        int64_t r[4] = { (int64_t)n, -1, (int64_t)h, 1 };
        int rc = 0;
        if (pow) {
            /* 5^h computed ahead (pi_pow5): the right half takes it
             * after the division's and the share's values. */
            int64_t hk = (int64_t)h;
            static const uint32_t none[2] = { 0, 0 }; /* no values */
            rc = submit_take(s, "pi_pow5", pow, none, 2, PP_AFTER_NONE,
                             &hk, 1, &right_after[2], err);
        }
        if (!rc)
            rc = submit_take(s, "pi_decimal_cut", right_after, NULL,
                             pow ? 3 : 2, PP_AFTER_SHARE, r, 4, &ids[1], err);
        r[3] = 0;
        if (!rc)
            rc = submit_take(s, "pi_decimal_cut", after, take, nafter,
                             PP_AFTER_SHARE, r, 4, &ids[0], err);
        if (!rc)
            rc = submit_conversion(s, &ids[0], &TAKE_SIDE[0], 1, 0, h, left,
                                   at, len, k, NULL, err);
        if (!rc)
            rc = submit_conversion(s, &ids[1], &TAKE_SIDE[0], 1, 1, n - h,
                                   pieces - left, at, len, k, NULL, err);
        return rc;
    }
    int64_t a[3] = { (int64_t)n, side, (int64_t)h };
    int rc = submit_take(s, "pi_decimal_cut", after, take, nafter,
                         PP_AFTER_SHARE, a, 3, &id, err);
    /* Each side takes its own value alone from the cut's two. */
    if (!rc)
        rc = submit_conversion(s, &id, &TAKE_SIDE[0], 1, 0, h, left, at,
                               len, k, NULL, err);
    if (!rc)
        rc = submit_conversion(s, &id, &TAKE_SIDE[1], 1, 1, n - h,
                               pieces - left, at, len, k, NULL, err);
    return rc;
}

/* The finish of a graph whose left range has no top merge: the division
 * (pi_divide) and the left range's step of the right range's share
 * (pi_tail's first step) each merge the left range's two halves
 * themselves, taking only the numbers they read: the division P1, Q1,
 * T1, Q2, T2 (for Q and T) and S, the step P1, T1, P2, Q2, T2 (for P and
 * T).  The division then waits for no merge task and its Q and T do not
 * travel back and forth; the step, which has time to spare, pays for the
 * merge's products twice.  The share's second step (pi_tail with the
 * step's a and the right range's Q and T) is then one division and one
 * product after the right range's last merge, where the whole share had
 * the left range's merge, two products and the division: bench/pi_plan,
 * 1.5e8 digits, 12 leaves on 8 engines over the Pi LAN, timelines taken
 * by turns: the share's last task 8.7 s -> 5.1 s of compute, ending 3 s
 * sooner.  finish_ids gets the division and the share's second step. */
static int submit_finish_folded(sink *s, const range_ids *halves,
                                const range_ids *right, uint64_t sqrt_id,
                                int64_t bits, uint64_t *finish_ids,
                                pp_error *err)
{
    uint64_t after[6];
    uint32_t take[6];
    size_t n = 0, nt = 0;
    static const char *const divide_wants[2] = { "PQT", "QT" },
                             *const tail_wants[2] = { "PT", "PQT" };
    for (int k = 0; k < 2; k++) {
        for (size_t j = 0; j < halves[k].n; j++)
            after[n++] = halves[k].id[j];
        nt += range_take(&halves[k], divide_wants[k], take + nt);
    }
    after[n++] = sqrt_id;
    take[nt++] = 1;
    int rc = submit_take(s, "pi_divide", after, take, n, PP_AFTER_SHARE,
                         &bits, 1, &finish_ids[0], err);
    n = nt = 0;
    for (int k = 0; k < 2; k++) {
        for (size_t j = 0; j < halves[k].n; j++)
            after[n++] = halves[k].id[j];
        nt += range_take(&halves[k], tail_wants[k], take + nt);
    }
    uint64_t left_id = 0;
    if (!rc)
        rc = submit_take(s, "pi_tail", after, take, n, PP_AFTER_SHARE, &bits,
                         1, &left_id, err);
    /* am and [aexp], then the right range's Q and T. */
    after[0] = left_id;
    take[0] = 3;
    n = 1;
    for (size_t j = 0; j < right->n; j++)
        after[n++] = right->id[j];
    range_take(right, "QT", take + 1);
    if (!rc)
        rc = submit_take(s, "pi_tail", after, take, n, PP_AFTER_SHARE, &bits,
                         1, &finish_ids[1], err);
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
    int64_t t0 = pp_mono_ns();
    int rc = pp_pi_compute_timed(o->digits, leaves, digits, &t, err);
    if (rc) {
        free(digits);
        return rc;
    }
    st->leaves = leaves;
    st->tasks = 0;
    st->seconds = (double)(pp_mono_ns() - t0) / 1e9;
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
    /* Two engines: one leaf a side (the square root and the division
     * overlap the other side), so that no merge waits for its inputs to
     * travel; K >= 3 engines: K - 1 left leaves beside the square root,
     * then K - (K - 1) / 2 right ones, so that the left range's first
     * merges, (K - 1) / 2 of them, find engines free while the right
     * leaves run (see left_cut). */
    unsigned leaves =
        o->leaves ? o->leaves
        : nengines > 2
            ? (unsigned)(2 * nengines - 1 - (nengines - 1) / 2)
            : 2;
    if (leaves > terms)
        leaves = (unsigned)terms;
    uint64_t bits = pp_pi_work_bits(n, 0);
    /* Two halves of the conversion only when there is something to cut;
     * by the leaves, not the engines, so that one graph runs on any
     * count of engines (bench/pi_plan replays it on others). */
    bool halves = n >= 1000 && leaves > 1;

    pp_view *v = pp_client_balanced(c, err);
    if (!v)
        return err->code;
    pp_pi_timeline tl = { 0 };
    sink sk = { .v = v, .tl = getenv("PIPAR_PI_TIMELINE") ? &tl : NULL };
    graph g = { 0 };
    uint64_t *leaf_ids = calloc(leaves, sizeof *leaf_ids);
    uint64_t sqrt_id = 0, finish_ids[2] = { 0, 0 };
    rc = leaf_ids ? 0 : pp_error_set(err, PP_ENOMEM, "out of memory");
    /* With two leaves or more the finish divides before the last merge
     * (pi.h, pp_pi_tail_ratio): the left half of the leaves, [0, cut),
     * merged and divided while the right half is still being computed,
     * and the right half's share of the quotient, a division of half the
     * size, in place of the last merge. */
    unsigned cut = leaves >= SPLIT_MIN_LEAVES ? left_cut(leaves)
                   : leaves > 1                ? pp_pi_tree_mid(0, leaves)
                                               : leaves;
    /* The right side also has the square root and its share of the
     * quotient, the left one the division: with more leaves the left
     * leaves take a little more of the series (1.5e8 digits: with 1 %
     * more the right side still ended 0.8 to 2.9 s after the left one);
     * with two, it depends on the size (pp_pi_two_leaf_share). */
    /* With more engines (split merges) the left range has no top merge:
     * the division and the share each merge its two halves themselves
     * (submit_finish_folded). */
    bool folded = leaves >= SPLIT_MIN_LEAVES && cut >= 2 && cut < leaves;
    double left_share = leaves == 2 ? pp_pi_two_leaf_share(n)
                        : (double)cut / leaves
                              + (folded ? -LEFT_LESS_FOLDED : LEFT_EXTRA);
    /* The square root needs nothing from the series: it goes first and
     * runs while the leaves do. */
    int64_t bits_arg = (int64_t)bits;
    if (!rc) {
        g.sqrt_task = 0;
        rc = submit(&sk, "pi_sqrt", NULL, 0, &bits_arg, 1, &sqrt_id, err);
    }
    /* Left and right leaves by turns (with more engines all the left
     * ones first: LEFT_FIRST_MIN_LEAVES): the left half is done first,
     * so its division overlaps the rest of the right half. */
    g.first_leaf = 1;
    g.nleaves = leaves;
    unsigned order[2] = { 0, cut };
    for (unsigned k = 0; !rc && k < leaves; k++) {
        /* Left i, right i, left i + 1, ...: whichever side has leaves
         * left. */
        int side = leaves >= LEFT_FIRST_MIN_LEAVES ? 0 : k % 2;
        if (order[side] >= (side ? leaves : cut))
            side = !side;
        unsigned i = order[side]++;
        uint64_t lo, hi;
        pp_pi_leaf_range_cut(terms, leaves, cut, left_share, i, &lo, &hi);
        int64_t range[3] = { (int64_t)lo, (int64_t)hi, hi != terms };
        rc = submit(&sk, "pi_leaf", NULL, 0, range, 3, &leaf_ids[i], err);
    }
    g.first_merge = 1 + leaves;
    range_ids left = { { 0, 0 }, 0 }, right = { { 0, 0 }, 0 };
    unsigned split = leaves >= SPLIT_MIN_LEAVES ? SPLIT_LEVELS : 0;
    range_ids left_halves[2];
    unsigned left_mid = pp_pi_tree_mid(0, cut);
    if (!rc && folded)
        rc = submit_tree(&sk, leaf_ids, 0, left_mid, leaves, split - 1,
                         &left_halves[0], &g.nmerges, err);
    if (!rc && folded)
        rc = submit_tree(&sk, leaf_ids, left_mid, cut, leaves, split - 1,
                         &left_halves[1], &g.nmerges, err);
    if (!rc && !folded)
        rc = submit_tree(&sk, leaf_ids, 0, cut, leaves, split, &left,
                         &g.nmerges, err);
    if (!rc && cut < leaves)
        rc = submit_tree(&sk, leaf_ids, cut, leaves, leaves, split, &right,
                         &g.nmerges, err);
    g.first_finish = g.first_merge + g.nmerges;
    g.nfinish = folded ? 3 : cut < leaves ? 2 : 1;
    if (!rc && folded)
        rc = submit_finish_folded(&sk, left_halves, &right, sqrt_id,
                                  bits_arg, finish_ids, err);
    /* The division of the left range (the whole one with one leaf) by
     * the square root; its inputs are copied, the share of the right
     * range needs the left range too. */
    uint64_t divide_after[3], tail_after[4];
    size_t ndivide = 0, ntail = 0;
    for (size_t j = 0; j < left.n; j++)
        divide_after[ndivide++] = tail_after[ntail++] = left.id[j];
    for (size_t j = 0; j < right.n; j++)
        tail_after[ntail++] = right.id[j];
    divide_after[ndivide++] = sqrt_id;
    if (!rc && !folded)
        rc = submit_as(&sk, "pi_divide", divide_after, ndivide,
                       cut < leaves ? PP_AFTER_SHARE : PP_AFTER_MOVE,
                       &bits_arg, 1, &finish_ids[0], err);
    if (!rc && !folded && cut < leaves)
        rc = submit_as(&sk, "pi_tail", tail_after, ntail, PP_AFTER_SHARE,
                       &bits_arg, 1, &finish_ids[1], err);
    g.first_decimal = g.first_finish + g.nfinish;
    /* The conversion in pieces, one an engine of the graph's
     * (graph_engines): two, or with more leaves (more engines) up to
     * eight, as a tree of cuts whose sides go to other engines
     * (submit_conversion). */
    unsigned pieces = !halves     ? 1
                      : leaves < 6 ? 2
                      : graph_engines(leaves) < 8 ? graph_engines(leaves)
                                                  : 8;
    g.ndecimals = pieces;
    size_t piece_at[8];
    uint64_t piece_len[8];
    unsigned npieces = 0;
    /* The first cut's 5^h (pi_pow5) is released with the division, when
     * the left range's halves are done: the leaves are over, and engines
     * wait for the division (bench/pi_plan --trace). */
    uint64_t pow_after[2] = { folded ? left_halves[0].id[0] : 0,
                              folded ? left_halves[1].id[0] : 0 };
    if (!rc && pieces > 2)
        rc = submit_conversion(&sk, finish_ids, NULL, 2, -1, n, pieces,
                               piece_at, piece_len, &npieces,
                               folded ? pow_after : NULL, err);
    for (unsigned j = 0; !rc && pieces <= 2 && j < pieces; j++) {
        /* Two pieces: the halves form, [n, half, h]. */
        int64_t nh[3] = { (int64_t)n, pieces == 1 ? -1 : (int64_t)j,
                          pieces == 1
                              ? (int64_t)n
                              : (int64_t)pp_pi_decimal_piece_point(n, 2, 1) };
        uint64_t id;
        rc = submit_as(&sk, cut < leaves ? "pi_decimal_tail"
                                         : "pi_decimal",
                       finish_ids, cut < leaves ? 2 : 1, PP_AFTER_SHARE, nh,
                       3, &id,
                       err);
        if (!rc)
            piece_at[npieces++] = pp_async_len(sk.a) - 1;
    }
    free(leaf_ids);
    pp_async *a = sk.a;
    if (!rc) {
        if (o->progress)
            fprintf(o->progress,
                    "pi: %" PRIu64 " digits on %zu engines: %u leaves, %u "
                    "merges (%zu in two tasks%s), square root, division%s, "
                    "conversion in %u piece%s%s\n",
                    n, nengines, leaves, leaves > 1 ? leaves - 2 : 0,
                    g.nmerges - (leaves > 1 ? leaves - 2 : 0) + folded,
                    folded ? "; the left range's top one in the division "
                             "and the share"
                           : "",
                    cut < leaves ? " before the last merge" : "", pieces,
                    pieces == 1 ? "" : "s",
                    pieces > 2 ? " (a tree of cuts)" : "");
        pp_async_set_label(a, phase, &g);
        rc = sk.tl ? pp_pi_timeline_wait(sk.tl, a, err)
             : o->progress ? pp_async_wait_interactive(a, o->progress, 5, err)
                           : pp_async_wait(a, -1, err);
    }
    if (!rc)
        rc = pp_async_first_error(a, err);
    char *digits = NULL;
    if (!rc && !(digits = malloc(n + 1)))
        rc = pp_error_set(err, PP_ENOMEM, "no memory for the digits");
    size_t at = 0;
    for (size_t i = 0; !rc && i < npieces; i++) {
        const pp_values *vals;
        rc = pp_async_result(a, piece_at[i], &vals, err);
        if (!rc && pieces > 2) {
            /* The tree's pieces, packed: unpacked, or refused. */
            if (vals->n != 1 || vals->v[0].type != PP_T_BYTES
                || piece_len[i] > n - at)
                rc = pp_error_set(err, PP_EPROTO,
                                  "pi_decimal_side returned the wrong "
                                  "digits");
            if (!rc)
                rc = pp_pi_digits_unpack(vals->v[0].data, vals->v[0].size,
                                         piece_len[i], digits + at,
                                         "pi_decimal_side", err);
            at += piece_len[i];
            continue;
        }
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
        if (sk.tl)
            pp_pi_timeline_print(sk.tl, a, n, nengines, leaves, t.wall,
                                 o->progress ? o->progress : stderr);
        st->leaves = leaves;
        st->tasks = pp_async_len(a);
        st->seconds = t.wall;
        st->serial_seconds = t.serial;
    }
    pp_async_destroy(&a);
    pp_pi_timeline_free(&tl);
    pp_view_destroy(&v);
    if (rc) {
        free(digits);
        return rc;
    }
    digits[n] = '\0';
    *out = digits;
    return 0;
}
