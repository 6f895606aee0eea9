/* pi_graph.c - the tasks of `driver pi`'s two-engine graph run one after
 * another in this process, each through the engine's own task function
 * (with its imports and exports of big integers), timed by CPU time;
 * then the one-process run, also by CPU time, and whether the digits
 * agree.  It tells the graph's own work apart from what engines,
 * messages and the machine add: a task that takes longer in an engine's
 * timeline (PIPAR_PI_TIMELINE=1) than here was slowed by its process or
 * its machine, not by its arithmetic.
 *
 *   pi_graph DIGITS [--share S] [--cut H] [--no-local]
 *
 * --share: the left leaf's share of the series (default
 * pp_pi_two_leaf_share, as `driver pi` on two engines); --cut: the two
 * conversion pieces' cut as a fraction of the digits (default
 * pp_pi_decimal_halves_point).  Prints one line per task, then the two
 * engines' chains as the balanced view places them (A: pi_sqrt, the
 * right leaf, pi_tail; B: the left leaf, pi_divide; then one conversion
 * piece each), the critical path without messages (the longer chain,
 * then the longer piece) beside half the work (a perfect balance).  On
 * a machine shared with other work CPU times move by 10 to 30 %: repeat
 * and take the least of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pi.h"
#include "workload.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const pp_error *err)
{
    fprintf(stderr, "pi_graph: %s: %s\n", what, err->msg);
    exit(1);
}

/* Runs one task; its CPU time goes to *t and a line to stdout. */
static pp_values run(const char *name, pp_workload_fn *fn,
                     const pp_value *args, size_t nargs, double *t)
{
    pp_values out = { 0 };
    pp_error err = { 0 };
    double t0 = cpu_now();
    if (fn(args, nargs, &out, &err))
        die(name, &err);
    *t = cpu_now() - t0;
    printf("task %-16s %8.3f s cpu\n", name, *t);
    return out;
}

static pp_value i64s(const int64_t *a, size_t n)
{
    pp_value v;
    if (pp_value_i64(&v, a, n)) {
        fprintf(stderr, "pi_graph: out of memory\n");
        exit(1);
    }
    return v;
}

/* A task's arguments borrow the results of earlier tasks, as an engine's
 * borrow the message's frames. */
static pp_value borrow(const pp_value *v)
{
    pp_value b;
    pp_value_borrow(&b, v->type, v->data, v->size);
    return b;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pi_graph DIGITS [--share S] [--cut H] "
                        "[--no-local]\n");
        return 2;
    }
    pp_error err = { 0 };
    uint64_t n;
    if (pp_parse_digits("DIGITS", argv[1], &n, &err))
        die("DIGITS", &err);
    double share = pp_pi_two_leaf_share(n), cut = 0;
    int local = 1;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--share") && i + 1 < argc)
            share = atof(argv[++i]);
        else if (!strcmp(argv[i], "--cut") && i + 1 < argc)
            cut = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-local"))
            local = 0;
        else {
            fprintf(stderr, "pi_graph: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!(share > 0 && share < 1) || cut < 0 || cut >= 1 || n < 1000) {
        fprintf(stderr, "pi_graph: --share and --cut are in (0, 1), "
                        "DIGITS at least 1000\n");
        return 2;
    }
    pp_pi_tune_malloc();
    uint64_t terms = pp_pi_terms(n);
    int64_t bits = (int64_t)pp_pi_work_bits(n, 0);
    int64_t h = cut > 0 ? (int64_t)((double)n * cut)
                        : (int64_t)pp_pi_decimal_halves_point(n);
    double t[7];
    printf("pi_graph: %llu digits, left share %.4f, cut at %.4f n\n",
           (unsigned long long)n, share, (double)h / (double)n);

    pp_value a = i64s(&bits, 1);
    pp_values S = run("pi_sqrt", pp_pi_sqrt_run, &a, 1, &t[0]);
    pp_value_free(&a);
    pp_values leaf[2];
    for (unsigned i = 0; i < 2; i++) {
        uint64_t lo, hi;
        pp_pi_leaf_range_cut(terms, 2, 1, share, i, &lo, &hi);
        int64_t r[3] = { (int64_t)lo, (int64_t)hi, hi != terms };
        a = i64s(r, 3);
        leaf[i] = run(i ? "pi_leaf (right)" : "pi_leaf (left)",
                      pp_pi_leaf_run, &a, 1, &t[1 + i]);
        pp_value_free(&a);
    }
    pp_value d[5] = { borrow(&leaf[0].v[0]), borrow(&leaf[0].v[1]),
                      borrow(&leaf[0].v[2]), borrow(&S.v[0]),
                      i64s(&bits, 1) };
    pp_values y = run("pi_divide", pp_pi_divide_run, d, 5, &t[3]);
    pp_value_free(&d[4]);
    pp_value ta[7];
    for (int i = 0; i < 3; i++) {
        ta[i] = borrow(&leaf[0].v[i]);
        ta[3 + i] = borrow(&leaf[1].v[i]);
    }
    ta[6] = i64s(&bits, 1);
    pp_values tail = run("pi_tail", pp_pi_tail_run, ta, 7, &t[4]);
    pp_value_free(&ta[6]);
    pp_values_free(&S);
    pp_values_free(&leaf[0]);
    pp_values_free(&leaf[1]);
    char *digits = malloc(n + 1);
    if (!digits) {
        fprintf(stderr, "pi_graph: no memory for the digits\n");
        return 1;
    }
    for (int j = 0; j < 2; j++) {
        int64_t nh[3] = { (int64_t)n, j, h };
        pp_value c[5] = { borrow(&y.v[0]), borrow(&y.v[1]),
                          borrow(&tail.v[0]), borrow(&tail.v[1]),
                          i64s(nh, 3) };
        pp_values piece = run(j ? "pi_decimal_tail 1" : "pi_decimal_tail 0",
                              pp_pi_decimal_tail_run, c, 5, &t[5 + j]);
        pp_value_free(&c[4]);
        memcpy(digits + (j ? h : 0), piece.v[0].data, piece.v[0].size);
        pp_values_free(&piece);
    }
    pp_values_free(&y);
    pp_values_free(&tail);
    double ea = t[0] + t[2] + t[4], eb = t[1] + t[3];
    double work = ea + eb + t[5] + t[6];
    double path = (ea > eb ? ea : eb) + (t[5] > t[6] ? t[5] : t[6]);
    printf("graph: work %.3f s; engine A (sqrt, right leaf, tail) %.3f s, "
           "engine B (left leaf, divide) %.3f s; pieces %.3f and %.3f s; "
           "critical path %.3f s, half the work %.3f s\n",
           work, ea, eb, t[5], t[6], path, work / 2);
    if (!local) {
        free(digits);
        return 0;
    }
    char *want = malloc(n + 1);
    if (!want) {
        fprintf(stderr, "pi_graph: no memory for the digits\n");
        return 1;
    }
    pp_pi_give_back();
    double t0 = cpu_now();
    if (pp_pi_compute(n, 1, want, &err))
        die("one process", &err);
    double one = cpu_now() - t0;
    int same = memcmp(want, digits, n) == 0;
    printf("one process: %.3f s cpu; graph work / one process %.3f; one "
           "process / critical path %.2f; digits %s\n",
           one, work / one, one / path, same ? "identical" : "DIFFER");
    free(want);
    free(digits);
    return same ? 0 : 1;
}
