/* pi_compute.c - the whole computation in one process, laid out the way a
 * cluster runs it (leaves, a tree of merges, the finish), and the sizes a
 * run needs: terms and memory. */
#include <stdlib.h>
#include <time.h>

#include "pi.h"

/* log10(640320^3 / (24 * 72)): the digits each term adds, at least. */
#define DIGITS_PER_TERM 14.181647462725477

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t pp_pi_terms(uint64_t digits)
{
    /* Term k is below (1 + 40 k) 10^(-14.18 k) of the sum, and 1 + 40 k <
     * 10^10.5 for every k we allow: 72 digits of margin cover that and the
     * finish's guard bits of its retry (96 + 128 + 2 bits, 68 digits). */
    return (uint64_t)((double)(digits + 72) / DIGITS_PER_TERM) + 2;
}

typedef struct run {
    mpz_t *P, *Q, *T;
    unsigned leaves;
} run;

/* Merges leaves [lo, hi) into lo, in pp_pi_tree_mid's tree. */
static void merge_tree(run *r, unsigned lo, unsigned hi)
{
    if (hi - lo < 2)
        return;
    unsigned mid = pp_pi_tree_mid(lo, hi);
    merge_tree(r, lo, mid);
    merge_tree(r, mid, hi);
    pp_pi_merge(r->P[lo], r->Q[lo], r->T[lo], r->P[mid], r->Q[mid],
                r->T[mid], hi != r->leaves);
    mpz_realloc2(r->P[mid], 64);
    mpz_realloc2(r->Q[mid], 64);
    mpz_realloc2(r->T[mid], 64);
}

/* Leaves and merges: Q and T of the whole series into Q, T. */
static int series(uint64_t terms, unsigned leaves, mpz_t Q, mpz_t T,
                  pp_pi_times *times, pp_error *err)
{
    run r = { .leaves = leaves };
    r.P = malloc(leaves * sizeof *r.P);
    r.Q = malloc(leaves * sizeof *r.Q);
    r.T = malloc(leaves * sizeof *r.T);
    if (!r.P || !r.Q || !r.T) {
        free(r.P);
        free(r.Q);
        free(r.T);
        return pp_error_set(err, PP_ENOMEM, "pi: out of memory");
    }
    double t0 = now();
    for (unsigned i = 0; i < leaves; i++) {
        uint64_t a, b;
        mpz_inits(r.P[i], r.Q[i], r.T[i], NULL);
        pp_pi_leaf_range(terms, leaves, i, &a, &b);
        pp_pi_split_ex(r.P[i], r.Q[i], r.T[i], a, b, i + 1 < leaves);
    }
    double t1 = now();
    merge_tree(&r, 0, leaves);
    double t2 = now();
    times->series += t1 - t0;
    times->merge += t2 - t1;
    mpz_swap(Q, r.Q[0]);
    mpz_swap(T, r.T[0]);
    for (unsigned i = 0; i < leaves; i++)
        mpz_clears(r.P[i], r.Q[i], r.T[i], NULL);
    free(r.P);
    free(r.Q);
    free(r.T);
    return 0;
}

int pp_pi_compute_timed(uint64_t digits, unsigned leaves, char *out,
                        pp_pi_times *times, pp_error *err)
{
    if (digits < 1 || digits > PP_PI_MAX_DIGITS)
        return pp_error_set(err, PP_EINVAL,
                            "pi: %llu digits is outside 1 to %llu",
                            (unsigned long long)digits,
                            (unsigned long long)PP_PI_MAX_DIGITS);
    uint64_t terms = pp_pi_terms(digits);
    if (leaves < 1 || leaves > terms)
        return pp_error_set(err, PP_EINVAL,
                            "pi: %u leaves for %llu terms (1 to %llu)",
                            leaves, (unsigned long long)terms,
                            (unsigned long long)terms);
    pp_pi_times local = { 0 };
    mpz_t Q, T;
    mpz_inits(Q, T, NULL);
    int rc = 0;
    /* The finish spends Q and T to keep the peak low, so the one retry
     * after an ambiguous cut (about one run in 2^40) computes them again. */
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = series(terms, leaves, Q, T, &local, err);
        pp_pi_give_back();
        if (rc == 0)
            rc = pp_pi_finish_own(Q, T, digits,
                                  attempt ? PP_PI_RETRY_GUARD : 0, out,
                                  &local, err);
        if (rc != PP_EOVERFLOW)
            break;
    }
    mpz_clears(Q, T, NULL);
    if (times)
        *times = local;
    return rc;
}

int pp_pi_compute(uint64_t digits, unsigned leaves, char *out, pp_error *err)
{
    return pp_pi_compute_timed(digits, leaves, out, NULL, err);
}

/* Peak RSS measured with pi_bench (pp_pi_tune_malloc on) on x86-64:
 * 11 MB at 1e6 digits, 55 MB at 1e7, 237 MB at 5e7, the division's peak
 * (Q / T at 12 times the working precision) above the series'.  The
 * estimate adds about a fifth to the slope. */
uint64_t pp_pi_memory_estimate(uint64_t digits)
{
    return 16000000 + digits / 2 * 11;
}

/* A leaf of 1/n of the cost peaks at about 1/n of the series: 120 MB for
 * each of two leaves at 5e7 digits. */
uint64_t pp_pi_leaf_memory_estimate(uint64_t digits, unsigned leaves)
{
    if (leaves < 1)
        leaves = 1;
    return 16000000 + digits / leaves * 5;
}
