/* test_pi.c - the digits of pi against MPFR's mpfr_const_pi (the AGM, a
 * different algorithm), the same digits whatever the leaves, the series'
 * pieces against each other and against terms written out by hand, the
 * conversion's refusal of ambiguous cuts, and pp_parse_digits. */
#include <mpfr.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bigint.h"
#include "pi.h"
#include "unit.h"
#include "workload.h"

/* Known, not computed here. */
static const char PI40[] = "3141592653589793238462643383279502884197";

/* The first n digits of pi from MPFR, truncated: pi rounded toward zero at
 * 128 bits more than needed, printed toward zero with 20 digits more, cut.
 * Each rounding goes down by less than a unit of the 20th extra digit, so
 * the cut is right unless those 20 digits are all 9 (a borrow could have
 * crossed it), which the test refuses rather than trust. */
static char *mpfr_digits(size_t n)
{
    mpfr_t x;
    mpfr_init2(x, (mpfr_prec_t)((double)n * 3.3219280948873623) + 128);
    mpfr_const_pi(x, MPFR_RNDZ);
    mpfr_exp_t e;
    char *s = mpfr_get_str(NULL, &e, 10, n + 20, x, MPFR_RNDZ);
    assert_non_null(s);
    assert_int_equal(e, 1);
    if (strspn(s + n, "9") == 20)
        fail_msg("MPFR's digits of pi are ambiguous at %zu", n);
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, s, n);
    out[n] = '\0';
    mpfr_free_str(s);
    mpfr_clear(x);
    mpfr_free_cache();
    return out;
}

static char *compute(uint64_t digits, unsigned leaves)
{
    char *out = malloc(digits + 1);
    assert_non_null(out);
    memset(out, 'x', digits + 1);
    pp_error err = { 0 };
    int rc = pp_pi_compute(digits, leaves, out, &err);
    if (rc)
        fail_msg("%llu digits, %u leaves: %s", (unsigned long long)digits,
                 leaves, err.msg);
    assert_int_equal(strlen(out), digits);
    return out;
}

static void assert_same_digits(const char *got, const char *want, size_t n,
                               const char *what)
{
    if (memcmp(got, want, n) == 0)
        return;
    size_t i = 0;
    while (got[i] == want[i])
        i++;
    fail_msg("%s: %zu digits differ from digit %zu on (got %.12s, want "
             "%.12s)",
             what, n, i + 1, got + i, want + i);
}

/* ---- the digits --------------------------------------------------------- */

static void the_first_forty_digits_are_the_known_ones(void **state)
{
    (void)state;
    char *d = compute(40, 1);
    assert_string_equal(d, PI40);
    free(d);
    for (uint64_t n = 1; n <= 40; n++) {
        d = compute(n, 1);
        assert_int_equal(strlen(d), n);
        assert_memory_equal(d, PI40, n);
        free(d);
    }
    char *ref = mpfr_digits(40);
    assert_string_equal(ref, PI40); /* the reference agrees too */
    free(ref);
}

static void digits_agree_with_mpfr(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 1, 2, 10, 1000, 4096, 4097, 8193,
                                      100000, 1000000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t n = sizes[i];
        char *got = compute(n, 1);
        char *want = mpfr_digits(n);
        assert_same_digits(got, want, n, "against MPFR");
        if (n >= 40)
            assert_memory_equal(got, PI40, 40);
        free(got);
        free(want);
    }
}

static void the_last_digit_is_truncated_not_rounded(void **state)
{
    (void)state;
    /* pi = 3.14159 26535 89793...: at 5 digits the next is 9, at 7 the
     * next is 6, at 13 the next is 9, so rounding would show. */
    char *d = compute(5, 1);
    assert_string_equal(d, "31415");
    free(d);
    d = compute(7, 1);
    assert_string_equal(d, "3141592");
    free(d);
    d = compute(13, 1);
    assert_string_equal(d, "3141592653589");
    free(d);
    /* Decimals 762-767 are the six 9s of the Feynman point ("3" is
     * index 0, decimal k index k). */
    char *ref = mpfr_digits(800);
    assert_memory_equal(ref + 762, "999999", 6);
    assert_memory_equal(ref + 760, "34999999837", 11);
    for (uint64_t n = 758; n <= 770; n++) {
        d = compute(n, 1);
        assert_same_digits(d, ref, n, "around the Feynman point");
        free(d);
    }
    free(ref);
}

static void any_number_of_leaves_gives_the_same_digits(void **state)
{
    (void)state;
    static const unsigned leaves[] = { 1, 2, 3, 7, 16 };
    static const uint64_t sizes[] = { 100000, 1000, 33333 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        char *first = NULL;
        for (size_t l = 0; l < sizeof leaves / sizeof leaves[0]; l++) {
            char *d = compute(sizes[s], leaves[l]);
            if (first) {
                assert_same_digits(d, first, sizes[s], "leaves");
                free(d);
            } else {
                first = d;
            }
        }
        if (sizes[s] == 100000) {
            char *want = mpfr_digits(100000);
            assert_same_digits(first, want, 100000, "16 leaves vs MPFR");
            free(want);
        }
        free(first);
    }
    /* As many leaves as terms: one term each. */
    uint64_t terms = pp_pi_terms(50);
    char *a = compute(50, 1), *b = compute(50, (unsigned)terms);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* ---- the series --------------------------------------------------------- */

/* Asserts P1/Q1 == P2/Q2 and T1/Q1 == T2/Q2 by cross multiplication: the
 * triples may differ by the common factors removed on the way. */
static void assert_same_ratios(const mpz_t P1, const mpz_t Q1,
                               const mpz_t T1, const mpz_t P2,
                               const mpz_t Q2, const mpz_t T2, bool check_p,
                               const char *what)
{
    mpz_t l, r;
    mpz_inits(l, r, NULL);
    assert_true(mpz_sgn(Q1) > 0 && mpz_sgn(Q2) > 0);
    mpz_mul(l, T1, Q2);
    mpz_mul(r, T2, Q1);
    if (mpz_cmp(l, r))
        fail_msg("%s: T/Q differ", what);
    if (check_p) {
        mpz_mul(l, P1, Q2);
        mpz_mul(r, P2, Q1);
        if (mpz_cmp(l, r))
            fail_msg("%s: P/Q differ", what);
    }
    mpz_clears(l, r, NULL);
}

static void single_terms_are_the_formula(void **state)
{
    (void)state;
    mpz_t P, Q, T, p, q, t;
    mpz_inits(P, Q, T, p, q, t, NULL);
    /* Term 0: 1, 1, 13591409. */
    pp_pi_split(P, Q, T, 0, 1);
    mpz_set_ui(p, 1);
    mpz_set_ui(q, 1);
    mpz_set_ui(t, 13591409);
    assert_same_ratios(P, Q, T, p, q, t, true, "term 0");
    /* Term k: p = (6k-5)(2k-1)(6k-1), q = k^3 640320^3 / 24,
     * t = (-1)^k p (13591409 + 545140134 k), worked out with mpz here. */
    static const unsigned long ks[] = { 1, 2, 3, 10, 1000, 123457 };
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        unsigned long k = ks[i];
        pp_pi_split(P, Q, T, k, k + 1);
        mpz_set_ui(p, 6 * k - 5);
        mpz_mul_ui(p, p, 2 * k - 1);
        mpz_mul_ui(p, p, 6 * k - 1);
        mpz_ui_pow_ui(q, 640320, 3);
        mpz_divexact_ui(q, q, 24);
        mpz_mul_ui(q, q, k);
        mpz_mul_ui(q, q, k);
        mpz_mul_ui(q, q, k);
        mpz_set_ui(t, 545140134);
        mpz_mul_ui(t, t, k);
        mpz_add_ui(t, t, 13591409);
        mpz_mul(t, t, p);
        if (k % 2)
            mpz_neg(t, t);
        assert_same_ratios(P, Q, T, p, q, t, true, "term k");
    }
    /* Term 1 exactly: 5, 10939058860032000, -5 * 558731543. */
    pp_pi_split(P, Q, T, 1, 2);
    mpz_set_ui(p, 5);
    mpz_set_str(q, "10939058860032000", 10);
    mpz_set_str(t, "-2793657715", 10); /* below LONG_MIN on armhf */
    assert_same_ratios(P, Q, T, p, q, t, true, "term 1");
    mpz_clears(P, Q, T, p, q, t, NULL);
}

static void merged_pieces_equal_one_split(void **state)
{
    (void)state;
    static const uint64_t cuts[][3] = {
        { 0, 1, 2 },       { 0, 1, 50 },       { 0, 25, 50 },
        { 3, 4, 5 },       { 7, 100, 1000 },   { 0, 5000, 9000 },
        { 1000, 1001, 40000 }, { 0, 20000, 70000 }, { 123, 30000, 31000 },
    };
    mpz_t P1, Q1, T1, P2, Q2, T2, P, Q, T;
    mpz_inits(P1, Q1, T1, P2, Q2, T2, P, Q, T, NULL);
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        uint64_t a = cuts[i][0], m = cuts[i][1], b = cuts[i][2];
        pp_pi_split(P, Q, T, a, b);
        for (int need_p = 0; need_p < 2; need_p++) {
            pp_pi_split(P1, Q1, T1, a, m);
            pp_pi_split_ex(P2, Q2, T2, m, b, need_p);
            if (!need_p)
                assert_int_equal(mpz_sgn(P2), 0);
            pp_pi_merge(P1, Q1, T1, P2, Q2, T2, need_p);
            assert_same_ratios(P1, Q1, T1, P, Q, T, need_p, "merge");
            if (!need_p)
                assert_int_equal(mpz_sgn(P1), 0);
        }
        /* need_p false in a split changes nothing else. */
        pp_pi_split_ex(P1, Q1, T1, a, b, false);
        assert_same_ratios(P1, Q1, T1, P, Q, T, false, "split_ex");
    }
    mpz_clears(P1, Q1, T1, P2, Q2, T2, P, Q, T, NULL);
}

static void a_split_equals_the_merged_single_terms(void **state)
{
    (void)state;
    /* Merging one term at a time uses no common-factor removal, so it
     * checks the removal inside pp_pi_split. */
    mpz_t P, Q, T, p, q, t, P1, Q1, T1;
    mpz_inits(P, Q, T, p, q, t, P1, Q1, T1, NULL);
    static const uint64_t ranges[][2] = { { 0, 300 }, { 5000, 5600 } };
    for (size_t r = 0; r < 2; r++) {
        uint64_t a = ranges[r][0], b = ranges[r][1];
        pp_pi_split(P, Q, T, a, a + 1);
        for (uint64_t k = a + 1; k < b; k++) {
            pp_pi_split(p, q, t, k, k + 1);
            pp_pi_merge(P, Q, T, p, q, t, true);
        }
        pp_pi_split(P1, Q1, T1, a, b);
        assert_same_ratios(P1, Q1, T1, P, Q, T, true, "term by term");
        /* The removal made the split's numbers smaller. */
        assert_true(mpz_sizeinbase(Q1, 2) < mpz_sizeinbase(Q, 2));
    }
    mpz_clears(P, Q, T, p, q, t, P1, Q1, T1, NULL);
}

static void empty_and_far_out_ranges_are_exact(void **state)
{
    (void)state;
    mpz_t P, Q, T, p, q, t, P1, Q1, T1;
    mpz_inits(P, Q, T, p, q, t, P1, Q1, T1, NULL);
    /* Empty: changes nothing on either side of a merge. */
    pp_pi_split(p, q, t, 40, 40);
    pp_pi_split(P, Q, T, 10, 40);
    pp_pi_split(P1, Q1, T1, 10, 40);
    pp_pi_merge(P, Q, T, p, q, t, true);
    assert_same_ratios(P, Q, T, P1, Q1, T1, true, "empty on the right");
    pp_pi_split(p, q, t, 10, 10);
    pp_pi_merge(p, q, t, P1, Q1, T1, true);
    assert_same_ratios(p, q, t, P1, Q1, T1, true, "empty on the left");
    /* Around the last term the sieve handles (6 b < 2^32), and past it
     * where the split goes without removing factors: term by term agrees
     * either way. */
    static const uint64_t lo[] = { 715827850, 715827870 };
    for (int r = 0; r < 2; r++) {
        uint64_t a = lo[r], b = a + 30;
        pp_pi_split(P, Q, T, a, a + 1);
        for (uint64_t k = a + 1; k < b; k++) {
            pp_pi_split(p, q, t, k, k + 1);
            pp_pi_merge(P, Q, T, p, q, t, true);
        }
        pp_pi_split(P1, Q1, T1, a, b);
        assert_same_ratios(P1, Q1, T1, P, Q, T, true, "far out");
    }
    mpz_clears(P, Q, T, p, q, t, P1, Q1, T1, NULL);
}

static void terms_cover_the_digits_with_a_margin(void **state)
{
    (void)state;
    assert_true(pp_pi_terms(1) >= 1);
    uint64_t prev = 0;
    static const uint64_t d[] = { 1, 2, 10, 100, 1000, 1000000, 150000000,
                                  PP_PI_MAX_DIGITS };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        uint64_t t = pp_pi_terms(d[i]);
        assert_true(t >= prev);
        /* Each term gives at most 14.19 digits. */
        assert_true((double)t * 14.19 >= (double)d[i] + 60);
        assert_true((double)t * 14.18 <= (double)d[i] + 200);
        prev = t;
    }
    /* 6 terms * 6 stays below 2^32 at the limit, as the sieve needs. */
    assert_true(6 * pp_pi_terms(PP_PI_MAX_DIGITS) < (1ull << 32));
}

static void leaf_ranges_are_contiguous_covering_and_not_empty(void **state)
{
    (void)state;
    static const uint64_t terms[] = { 1, 2, 3, 5, 16, 17, 100, 1000, 70521,
                                      10577961 };
    static const unsigned ns[] = { 1, 2, 3, 4, 7, 16, 64, 1000 };
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++) {
        for (size_t j = 0; j < sizeof ns / sizeof ns[0] + 1; j++) {
            unsigned n = j < sizeof ns / sizeof ns[0] ? ns[j]
                                                      : (unsigned)terms[i];
            if (n > terms[i])
                continue;
            uint64_t next = 0;
            for (unsigned k = 0; k < n; k++) {
                uint64_t a = 99, b = 99;
                pp_pi_leaf_range(terms[i], n, k, &a, &b);
                if (a != next || b <= a || b > terms[i])
                    fail_msg("terms %llu, %u leaves: leaf %u is [%llu, "
                             "%llu), expected to start at %llu",
                             (unsigned long long)terms[i], n, k,
                             (unsigned long long)a, (unsigned long long)b,
                             (unsigned long long)next);
                next = b;
            }
            assert_true(next == terms[i]);
        }
    }
    /* Later terms are bigger: the first of two leaves has more terms. */
    uint64_t a, b;
    pp_pi_leaf_range(1000000, 2, 0, &a, &b);
    assert_true(a == 0 && b > 500000 && b < 560000);

    /* Cut in two groups with a share of their own: still contiguous,
     * covering and not empty; the left group's end moves with its share;
     * cost-equal shares give pp_pi_leaf_range's leaves. */
    static const double shares[] = { 0.01, 0.3, 0.52, 0.9, 0.99 };
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        for (unsigned n = 2; n <= 7 && n <= terms[i]; n++)
            for (unsigned cut = 1; cut < n; cut++)
                for (size_t j = 0; j < sizeof shares / sizeof shares[0];
                     j++) {
                    uint64_t next = 0;
                    for (unsigned k = 0; k < n; k++) {
                        pp_pi_leaf_range_cut(terms[i], n, cut, shares[j], k,
                                             &a, &b);
                        if (a != next || b <= a || b > terms[i])
                            fail_msg("terms %llu, %u leaves cut at %u, "
                                     "share %.2f: leaf %u is [%llu, %llu)",
                                     (unsigned long long)terms[i], n, cut,
                                     shares[j], k, (unsigned long long)a,
                                     (unsigned long long)b);
                        next = b;
                    }
                    assert_true(next == terms[i]);
                }
    uint64_t prev = 0;
    for (size_t j = 0; j < sizeof shares / sizeof shares[0]; j++) {
        pp_pi_leaf_range_cut(1000000, 2, 1, shares[j], 0, &a, &b);
        assert_true(b > prev);
        prev = b;
    }
    for (unsigned k = 0; k < 4; k++) {
        uint64_t c, d;
        pp_pi_leaf_range(1000000, 4, k, &a, &b);
        pp_pi_leaf_range_cut(1000000, 4, 2, 0.5, k, &c, &d);
        assert_true(a == c && b == d);
        pp_pi_leaf_range_cut(1000000, 4, 0, 0.7, k, &c, &d);
        assert_true(a == c && b == d);
    }
}

/* The two-leaf graph's left share and the two-piece conversion's cut:
 * the measured points, linear in log10 of the digits between them, flat
 * beyond. */
static void two_engines_share_the_work_as_measured(void **state)
{
    (void)state;
    static const struct {
        uint64_t digits;
        double share, cut;
    } want[] = {
        { 1000, 0.495, 0.63 },       { 1000000, 0.495, 0.63 },
        { 10000000, 0.495, 0.63 },   { 20000000, 0.4864, 0.6386 },
        { 50000000, 0.475, 0.65 },   { 100000000, 0.4876, 0.65 },
        { 150000000, 0.495, 0.65 },  { 10000000000ull, 0.495, 0.65 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t n = want[i].digits;
        double share = pp_pi_two_leaf_share(n);
        double cut = (double)pp_pi_decimal_halves_point(n) / (double)n;
        if (fabs(share - want[i].share) > 1e-4
            || fabs(cut - want[i].cut) > 1e-3)
            fail_msg("%llu digits: share %.5f (want %.4f), cut %.5f n "
                     "(want %.4f n)",
                     (unsigned long long)n, share, want[i].share, cut,
                     want[i].cut);
    }
    /* Small counts cut anywhere inside. */
    assert_int_equal(pp_pi_decimal_halves_point(9), 4);
    assert_int_equal(pp_pi_decimal_halves_point(10), 6);
    assert_int_equal(pp_pi_decimal_halves_point(100), 63);
}

static void the_merge_tree_halves_its_range(void **state)
{
    (void)state;
    assert_int_equal(pp_pi_tree_mid(0, 2), 1);
    assert_int_equal(pp_pi_tree_mid(0, 3), 1);
    assert_int_equal(pp_pi_tree_mid(0, 16), 8);
    assert_int_equal(pp_pi_tree_mid(8, 16), 12);
    for (unsigned lo = 0; lo < 20; lo++)
        for (unsigned hi = lo + 2; hi < 40; hi++) {
            unsigned m = pp_pi_tree_mid(lo, hi);
            assert_true(m > lo && m < hi);
        }
}

/* ---- the finish --------------------------------------------------------- */

/* pp_pi_sqrt_part by Newton's iteration against the exact root: within 2
 * units at every size, across the sizes where the iteration starts from an
 * exact root (up to 2000 bits) and where it takes one, two or many steps. */
static void the_square_root_is_within_two_units(void **state)
{
    (void)state;
    mpz_t S, R, x;
    mpz_inits(S, R, x, NULL);
    static const uint64_t sizes[] = { 1, 2, 63, 64, 65, 1000, 1927, 1928,
                                      1929, 2000, 3000, 3999, 4000, 4001,
                                      7777, 65536, 100003, 1000000 };
    int exact = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint64_t bits = sizes[i];
        pp_pi_sqrt_part(S, bits);
        mpz_set_ui(x, 42688u * 42688u);
        mpz_mul_ui(x, x, 10005);
        mpz_mul_2exp(x, x, (mp_bitcnt_t)(2 * (bits + 8)));
        mpz_sqrt(R, x);
        mpz_sub(x, S, R);
        assert_true(mpz_cmpabs_ui(x, 2) <= 0);
        exact += mpz_sgn(x) == 0;
        /* 42688 sqrt(10005) = 4269819.3...: S has 22 bits above 2^(bits + 8). */
        assert_int_equal(mpz_sizeinbase(S, 2), bits + 8 + 23);
    }
    /* The bound is 2 but the error is far below a unit: nearly always the
     * floor itself. */
    assert_true(exact >= 16);
    mpz_clears(S, R, x, NULL);
}

/* The division of S Q by T in one step (pp_pi_divide_fused_own, the
 * graph of more engines) gives pp_pi_divide_own's y within 2 units (in
 * fact nearly always the same), and the digits of pi. */
static void the_fused_division_gives_the_digits(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 20, 1000, 4097, 20000, 100000 };
    int same = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint64_t n = sizes[i], terms = pp_pi_terms(n),
                 bits = pp_pi_work_bits(n, 0);
        mpz_t P, Q, T, Q2, T2, S, d;
        mpz_inits(P, Q, T, Q2, T2, S, d, NULL);
        pp_pi_split_ex(P, Q, T, 0, terms, false);
        mpz_set(Q2, Q);
        mpz_set(T2, T);
        pp_pi_sqrt_part(S, bits);
        pp_pi_fixed y, f;
        pp_pi_fixed_init(&y);
        pp_pi_fixed_init(&f);
        pp_pi_divide_own(&y, Q, T, S, bits);
        pp_pi_divide_fused_own(&f, Q2, T2, S, bits);
        assert_int_equal(f.bits, y.bits);
        assert_int_equal(f.ulps, 2);
        mpz_sub(d, f.v, y.v);
        assert_true(mpz_cmpabs_ui(d, 2) <= 0);
        same += mpz_sgn(d) == 0;
        /* Spent, as the name says. */
        assert_true(mpz_sgn(Q2) == 0 && mpz_sgn(T2) == 0);
        char *out = malloc(n + 1), *want = mpfr_digits(n);
        assert_non_null(out);
        pp_error err = { 0 };
        assert_int_equal(pp_pi_to_decimal_own(&f, n, out, &err), 0);
        assert_memory_equal(out, want, n);
        free(out);
        free(want);
        pp_pi_fixed_clear(&y);
        pp_pi_fixed_clear(&f);
        mpz_clears(P, Q, T, Q2, T2, S, d, NULL);
    }
    assert_true(same >= 4);
}

static void the_finish_pieces_give_the_digits(void **state)
{
    (void)state;
    uint64_t n = 20000, terms = pp_pi_terms(n);
    mpz_t P, Q, T, S;
    mpz_inits(P, Q, T, S, NULL);
    pp_pi_split_ex(P, Q, T, 0, terms, false);
    char *want = mpfr_digits(n);
    char *out = malloc(n + 1);
    pp_error err = { 0 };
    assert_int_equal(pp_pi_finish(Q, T, n, out, &err), 0);
    assert_string_equal(out, want);

    uint64_t bits = pp_pi_work_bits(n, 0);
    assert_true(bits > n * 3.32 + 64);
    pp_pi_sqrt_part(S, bits);
    pp_pi_fixed y, l, r;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&l);
    pp_pi_fixed_init(&r);
    pp_pi_divide(&y, Q, T, S, bits);
    assert_int_equal(y.bits, bits);
    memset(out, 'x', n + 1);
    assert_int_equal(pp_pi_to_decimal(&y, n, out, &err), 0);
    assert_memory_equal(out, want, n);

    /* Two halves, as two engines would do them. */
    uint64_t h = pp_pi_decimal_split_point(n);
    assert_true(h > 0 && h < n);
    memset(out, 'x', n + 1);
    assert_int_equal(pp_pi_decimal_split(&y, n, h, &l, &r, &err), 0);
    assert_int_equal(pp_pi_to_decimal(&l, h, out, &err), 0);
    assert_int_equal(pp_pi_to_decimal(&r, n - h, out + h, &err), 0);
    assert_memory_equal(out, want, n);
    /* Any cut works the same. */
    memset(out, 'x', n + 1);
    assert_int_equal(pp_pi_decimal_split(&y, n, 777, &l, &r, &err), 0);
    assert_int_equal(pp_pi_to_decimal(&l, 777, out, &err), 0);
    assert_int_equal(pp_pi_to_decimal_own(&r, n - 777, out + 777, &err), 0);
    assert_memory_equal(out, want, n);
    assert_int_equal(pp_pi_decimal_split(&y, n, 0, &l, &r, &err), PP_EINVAL);
    assert_int_equal(pp_pi_decimal_split(&y, n, n, &l, &r, &err), PP_EINVAL);

    /* The spending variants give the same and free their inputs. */
    pp_pi_divide_own(&y, Q, T, S, bits);
    assert_int_equal(mpz_sgn(Q), 0);
    memset(out, 'x', n + 1);
    assert_int_equal(pp_pi_to_decimal_own(&y, n, out, &err), 0);
    assert_memory_equal(out, want, n);
    assert_int_equal(mpz_sgn(y.v), 0);

    pp_pi_fixed_clear(&y);
    pp_pi_fixed_clear(&l);
    pp_pi_fixed_clear(&r);
    free(out);
    free(want);
    mpz_clears(P, Q, T, S, NULL);
}

/* The division before the last merge: the left range divided alone,
 * times 1 + d for the right range's share, gives the digits, wherever the
 * terms are cut, and within a few units of the whole range divided. */
static void dividing_before_the_last_merge_gives_the_digits(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 1000, 20000, 100000 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t n = sizes[k], terms = pp_pi_terms(n);
        uint64_t bits = pp_pi_work_bits(n, 0);
        char *want = mpfr_digits(n);
        char *out = malloc(n + 1);
        mpz_t S, PL, QL, TL, PR, QR, TR, dm;
        mpz_inits(S, PL, QL, TL, PR, QR, TR, dm, NULL);
        pp_pi_sqrt_part(S, bits);
        pp_pi_fixed whole, y;
        pp_pi_fixed_init(&whole);
        pp_pi_fixed_init(&y);
        pp_pi_split_ex(PL, QL, TL, 0, terms, false);
        pp_pi_divide(&whole, QL, TL, S, bits);
        uint64_t cuts[] = { 1, 2, terms / 3, terms / 2, terms - 1 };
        for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
            uint64_t m = cuts[c];
            pp_pi_split_ex(PL, QL, TL, 0, m, true);
            pp_pi_split_ex(PR, QR, TR, m, terms, false);
            pp_pi_divide(&y, QL, TL, S, bits);
            int64_t dexp;
            pp_pi_tail_ratio(dm, &dexp, PL, TL, QR, TR, bits);
            /* d is about 10^(-14.18 m), minus the right range's share:
             * positive for an odd m, whose first term is negative. */
            assert_true(mpz_sgn(dm) == (m % 2 ? 1 : -1));
            double log2d = (double)mpz_sizeinbase(dm, 2) + (double)dexp;
            assert_true(log2d < -47.0 * (double)m + 10);
            assert_true(log2d > -47.2 * (double)m - 10);
            /* d has about as many bits as it reaches into y (64 at
             * least). */
            double reach = (double)bits + log2d + 80;
            assert_true((double)mpz_sizeinbase(dm, 2)
                        < (reach > 100 ? reach : 100));
            /* The left piece alone, from y and d, at two cuts. */
            pp_error err = { 0 };
            uint64_t hs[2] = { pp_pi_decimal_halves_point(n), n / 7 };
            for (int j = 0; j < 2; j++) {
                pp_pi_fixed lp;
                pp_pi_fixed_init(&lp);
                assert_int_equal(pp_pi_decimal_left_tail(&y, dm, dexp, n,
                                                         hs[j], &lp, &err),
                                 0);
                memset(out, 'x', n + 1);
                assert_int_equal(pp_pi_to_decimal_own(&lp, hs[j], out, &err),
                                 0);
                assert_same_digits(out, want, hs[j], "left piece of y d");
                pp_pi_fixed_clear(&lp);
            }
            /* In two steps (pp_pi_tail_left, then _right), rounded
             * otherwise: the same y (1 + d) within a unit. */
            pp_pi_fixed y2;
            pp_pi_fixed_init(&y2);
            mpz_set(y2.v, y.v);
            y2.bits = y.bits;
            y2.ulps = y.ulps;
            {
                mpz_t am, dm2;
                mpz_inits(am, dm2, NULL);
                int64_t aexp, dexp2;
                pp_pi_tail_left(am, &aexp, PL, TL, bits);
                assert_int_equal(pp_pi_tail_right(dm2, &dexp2, am, aexp, QR,
                                                  TR, bits),
                                 0);
                pp_pi_apply_tail(&y2, dm2, dexp2);
                /* a rounded to fewer bits than the share needs (the
                 * same value) is refused */
                mp_bitcnt_t k = mpz_sizeinbase(am, 2) / 2 + 40;
                mpz_fdiv_q_2exp(am, am, k);
                aexp += (int64_t)k;
                if (mpz_sgn(am) > 0)
                    assert_int_equal(pp_pi_tail_right(dm2, &dexp2, am,
                                                      aexp, QR, TR, bits),
                                     -1);
                mpz_clears(am, dm2, NULL);
            }
            pp_pi_apply_tail(&y, dm, dexp);
            assert_int_equal(y.bits, bits);
            assert_int_equal(y.ulps, 4);
            assert_int_equal(y2.ulps, 4);
            mpz_sub(y2.v, y2.v, y.v);
            if (mpz_cmpabs_ui(y2.v, 1) > 0)
                fail_msg("%llu digits cut at %llu: the two steps' d %s "
                         "units off",
                         (unsigned long long)n, (unsigned long long)m,
                         mpz_get_str(NULL, 10, y2.v));
            pp_pi_fixed_clear(&y2);
            mpz_t diff;
            mpz_init(diff);
            mpz_sub(diff, y.v, whole.v);
            if (mpz_cmpabs_ui(diff, 6) > 0)
                fail_msg("%llu digits cut at %llu: %s units off",
                         (unsigned long long)n, (unsigned long long)m,
                         mpz_get_str(NULL, 10, diff));
            mpz_clear(diff);
            memset(out, 'x', n + 1);
            assert_int_equal(pp_pi_to_decimal(&y, n, out, &err), 0);
            assert_same_digits(out, want, n, "divided before the merge");
        }
        /* Nothing on the right: d is 0 and y stays. */
        pp_pi_split_ex(PL, QL, TL, 0, terms, true);
        mpz_set_ui(QR, 1);
        mpz_set_ui(TR, 0);
        int64_t dexp = 5;
        pp_pi_tail_ratio(dm, &dexp, PL, TL, QR, TR, bits);
        assert_int_equal(mpz_sgn(dm), 0);
        pp_pi_divide(&y, QL, TL, S, bits);
        pp_pi_apply_tail(&y, dm, dexp);
        assert_int_equal(mpz_cmp(y.v, whole.v), 0);
        assert_int_equal(y.ulps, 2);
        pp_pi_fixed_clear(&whole);
        pp_pi_fixed_clear(&y);
        mpz_clears(S, PL, QL, TL, PR, QR, TR, dm, NULL);
        free(out);
        free(want);
    }
}

/* Q and T of more than 2^30 bits (beyond about 1.8e8 digits) are past
 * MPFR's default exponent range: the division must not overflow there.
 * Numbers with the same ratio, one pair shifted by 2^30 + 100 bits, give
 * the same y. */
static void quotients_past_mpfr_default_exponents_do_not_overflow(void **state)
{
    (void)state;
    uint64_t bits = 200;
    mpz_t Q, T, S, dm;
    mpz_inits(Q, T, S, dm, NULL);
    pp_pi_split_ex(S, Q, T, 0, 20, false);
    pp_pi_sqrt_part(S, bits);
    pp_pi_fixed small, big;
    pp_pi_fixed_init(&small);
    pp_pi_fixed_init(&big);
    pp_pi_divide(&small, Q, T, S, bits);
    mp_bitcnt_t shift = ((mp_bitcnt_t)1 << 30) + 100;
    mpz_mul_2exp(Q, Q, shift);
    mpz_mul_2exp(T, T, shift);
    pp_pi_divide(&big, Q, T, S, bits);
    assert_int_equal(mpz_cmp(small.v, big.v), 0);
    /* The share of a right range whose numbers are that big: b = 2^-20
     * exactly, d = -b / (1 + b). */
    mpz_set_ui(Q, 1);
    mpz_mul_2exp(Q, Q, shift);
    mpz_set_ui(T, 1);
    mpz_mul_2exp(T, T, shift - 20); /* T_R */
    int64_t dexp;
    mpz_t one;
    mpz_init_set_ui(one, 1);
    pp_pi_tail_ratio(dm, &dexp, one, one, Q, T, bits);
    mpfr_t d, want;
    mpfr_inits2(256, d, want, (mpfr_ptr)0);
    mpfr_set_z_2exp(d, dm, (mpfr_exp_t)dexp, MPFR_RNDN);
    mpfr_set_si_2exp(want, -1, -20, MPFR_RNDN);
    mpfr_t den;
    mpfr_init2(den, 256);
    mpfr_set_si_2exp(den, 1, -20, MPFR_RNDN);
    mpfr_add_ui(den, den, 1, MPFR_RNDN);
    mpfr_div(want, want, den, MPFR_RNDN);
    mpfr_sub(d, d, want, MPFR_RNDN);
    mpfr_div(d, d, want, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    assert_true(mpfr_cmp_ui_2exp(d, 1, -(mpfr_exp_t)(bits - 20 + 30)) < 0);
    mpfr_clears(d, want, den, (mpfr_ptr)0);
    mpz_clear(one);
    pp_pi_fixed_clear(&small);
    pp_pi_fixed_clear(&big);
    mpz_clears(Q, T, S, dm, NULL);
}

/* Each engine takes one piece of the same y: the left one a shift, the
 * right one a product; together they are the digits, at any cut. */
static void each_piece_of_a_cut_stands_alone(void **state)
{
    (void)state;
    uint64_t n = 30000, terms = pp_pi_terms(n), bits = pp_pi_work_bits(n, 0);
    char *want = mpfr_digits(n);
    char *out = malloc(n + 1);
    mpz_t P, Q, T, S;
    mpz_inits(P, Q, T, S, NULL);
    pp_pi_split_ex(P, Q, T, 0, terms, false);
    pp_pi_sqrt_part(S, bits);
    pp_pi_fixed y, part, l, r;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&part);
    pp_pi_fixed_init(&l);
    pp_pi_fixed_init(&r);
    pp_pi_divide(&y, Q, T, S, bits);
    uint64_t hs[] = { pp_pi_decimal_halves_point(n), n / 2, 1, n - 1 };
    assert_true(hs[0] > n / 2 && hs[0] < n);
    pp_error err = { 0 };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        uint64_t h = hs[i];
        memset(out, 'x', n + 1);
        assert_int_equal(pp_pi_decimal_part(&y, n, h, 0, &part, &err), 0);
        /* The same left piece as the full cut's. */
        assert_int_equal(pp_pi_decimal_split(&y, n, h, &l, &r, &err), 0);
        assert_int_equal(mpz_cmp(part.v, l.v), 0);
        assert_int_equal(part.bits, l.bits);
        assert_int_equal(part.ulps, l.ulps);
        assert_int_equal(pp_pi_to_decimal_own(&part, h, out, &err), 0);
        assert_int_equal(pp_pi_decimal_part(&y, n, h, 1, &part, &err), 0);
        assert_int_equal(mpz_cmp(part.v, r.v), 0);
        assert_int_equal(pp_pi_to_decimal_own(&part, n - h, out + h, &err),
                         0);
        assert_same_digits(out, want, n, "two pieces");
    }
    assert_int_equal(pp_pi_decimal_part(&y, n, 0, 0, &part, &err),
                     PP_EINVAL);
    assert_int_equal(pp_pi_decimal_part(&y, n, n, 1, &part, &err),
                     PP_EINVAL);
    assert_int_equal(pp_pi_decimal_part(&y, n, 5, 2, &part, &err),
                     PP_EINVAL);
    for (uint64_t k = 2; k < 100; k++) {
        uint64_t h = pp_pi_decimal_halves_point(k);
        assert_true(h > 0 && h < k);
    }
    pp_pi_fixed_clear(&y);
    pp_pi_fixed_clear(&part);
    pp_pi_fixed_clear(&l);
    pp_pi_fixed_clear(&r);
    mpz_clears(P, Q, T, S, NULL);
    free(out);
    free(want);
}

/* ---- the tasks, as a cluster chains them -------------------------------- */

static pp_value i64s(const int64_t *x, size_t n)
{
    pp_value v;
    assert_int_equal(pp_value_i64(&v, x, n), 0);
    return v;
}

/* Runs fn on args (consumed), appending its results to *acc (which takes
 * them), as an `after` task gets its dependencies' results. */
static void run_task(pp_workload_fn *fn, pp_value *args, size_t nargs,
                     pp_values *out)
{
    pp_error err = { 0 };
    memset(out, 0, sizeof *out);
    int rc = fn(args, nargs, out, &err);
    if (rc)
        fail_msg("task failed: %s", err.msg);
    for (size_t i = 0; i < nargs; i++)
        pp_value_free(&args[i]);
}

static void copy_values(pp_value *dst, const pp_values *src)
{
    for (size_t i = 0; i < src->n; i++) {
        pp_value v = src->v[i];
        void *data = malloc(v.size ? v.size : 1);
        assert_non_null(data);
        memcpy(data, v.data, v.size);
        pp_value_take(&dst[i], v.type, data, v.size);
    }
}

/* A pi_decimal_side's result: its n digits, packed (4 bytes for 9),
 * unpacked to out; frees it. */
static void unpack_side(pp_values *digits, uint64_t n, char *out)
{
    pp_error err = { 0 };
    assert_int_equal(digits->n, 1);
    assert_int_equal(digits->v[0].size, pp_pi_packed_size(n));
    assert_int_equal(pp_pi_digits_unpack(digits->v[0].data,
                                         digits->v[0].size, n, out,
                                         "side", &err),
                     0);
    pp_values_free(digits);
}

/* The conversion as pi_run submits it on many engines: a cut
 * (pi_decimal_cut) of the value `from` gives (the division's y and
 * pi_tail's d for side -1, a parent cut's two sides otherwise), each side
 * in its share of the pieces, one piece a pi_decimal_side; the digits go
 * to out. */
static void run_tree(const pp_values *from, const pp_values *tail, int side,
                     uint64_t n, unsigned pieces, char *out)
{
    pp_value args[5];
    copy_values(args, from);
    if (tail)
        copy_values(args + 2, tail);
    if (pieces == 1) {
        int64_t a[2] = { (int64_t)n, side };
        args[4] = i64s(a, 2);
        pp_values digits;
        run_task(pp_pi_decimal_side_run, args, 5, &digits);
        unpack_side(&digits, n, out);
        return;
    }
    uint64_t h = n * (pieces / 2) / pieces;
    int64_t a[3] = { (int64_t)n, side, (int64_t)h };
    args[4] = i64s(a, 3);
    pp_values cut;
    run_task(pp_pi_decimal_cut_run, args, 5, &cut);
    assert_int_equal(cut.n, 4);
    run_tree(&cut, NULL, 0, h, pieces / 2, out);
    run_tree(&cut, NULL, 1, n - h, pieces - pieces / 2, out + h);
    pp_values_free(&cut);
}

/* run_tree with each child taking only its own side's value (y,
 * [bits, ulps]) from its parent's cut, as pi_run's graph does: the
 * three-argument forms of pi_decimal_cut and pi_decimal_side. */
static void run_tree_alone(const pp_values *from, const pp_values *tail,
                           int side, uint64_t n, unsigned pieces, char *out);

/* run_tree_alone with the root's cut in two tasks, as pi_run submits it
 * on many engines: [n, -1, h, half], each giving its side alone. */
static void run_tree_split_root(const pp_values *from,
                                const pp_values *tail, uint64_t n,
                                unsigned pieces, bool with_pow, char *out)
{
    uint64_t h = n * (pieces / 2) / pieces;
    pp_values half[2];
    for (int k = 0; k < 2; k++) {
        pp_value args[6];
        copy_values(args, from);
        copy_values(args + 2, tail);
        int64_t a[4] = { (int64_t)n, -1, (int64_t)h, k };
        size_t nargs = 5;
        if (with_pow && k == 1) {
            /* 5^h from pi_pow5, exact. */
            int64_t hk = (int64_t)h;
            pp_value karg = i64s(&hk, 1);
            pp_values pow;
            run_task(pp_pi_pow5_run, &karg, 1, &pow);
            assert_int_equal(pow.n, 1);
            mpz_t got, want;
            mpz_inits(got, want, NULL);
            assert_int_equal(pp_bigint_import(got, &pow.v[0], NULL), 0);
            mpz_ui_pow_ui(want, 5, (unsigned long)h);
            assert_int_equal(mpz_cmp(got, want), 0);
            assert_true(pp_pi_pow5_check(got, h));
            assert_false(pp_pi_pow5_check(got, h + 1));
            mpz_add_ui(got, got, 1);
            assert_false(pp_pi_pow5_check(got, h));
            mpz_clears(got, want, NULL);
            copy_values(args + 4, &pow);
            pp_values_free(&pow);
            nargs = 6;
        }
        args[nargs - 1] = i64s(a, 4);
        run_task(pp_pi_decimal_cut_run, args, nargs, &half[k]);
        assert_int_equal(half[k].n, 2);
    }
    /* The two sides as one cut's four values. */
    pp_value four[4] = { half[0].v[0], half[0].v[1], half[1].v[0],
                         half[1].v[1] };
    pp_values both = { .v = four, .n = 4 };
    run_tree_alone(&both, NULL, 0, h, pieces / 2, out);
    run_tree_alone(&both, NULL, 1, n - h, pieces - pieces / 2, out + h);
    pp_values_free(&half[0]);
    pp_values_free(&half[1]);
}

static void run_tree_alone(const pp_values *from, const pp_values *tail,
                           int side, uint64_t n, unsigned pieces, char *out)
{
    pp_value args[5];
    size_t nargs = side < 0 ? 5 : 3;
    if (side < 0) {
        copy_values(args, from);
        copy_values(args + 2, tail);
    } else {
        pp_values mine = { .v = from->v + 2 * side, .n = 2 };
        copy_values(args, &mine);
    }
    if (pieces == 1) {
        int64_t a[2] = { (int64_t)n, side };
        args[nargs - 1] = i64s(a, 2);
        pp_values digits;
        run_task(pp_pi_decimal_side_run, args, nargs, &digits);
        unpack_side(&digits, n, out);
        return;
    }
    uint64_t h = n * (pieces / 2) / pieces;
    int64_t a[3] = { (int64_t)n, side, (int64_t)h };
    args[nargs - 1] = i64s(a, 3);
    pp_values cut;
    run_task(pp_pi_decimal_cut_run, args, nargs, &cut);
    assert_int_equal(cut.n, 4);
    run_tree_alone(&cut, NULL, 0, h, pieces / 2, out);
    run_tree_alone(&cut, NULL, 1, n - h, pieces - pieces / 2, out + h);
    pp_values_free(&cut);
}

/* Packed digits unpack to the same digits at every length around the
 * words' edges, leading zeros of a word included (a word of "000000007"
 * is the number 7), and the packed form is the documented one. */
static void packed_digits_unpack_to_the_same(void **state)
{
    (void)state;
    /* Digits with runs of zeros at word starts, nines at word ends. */
    char src[64], buf[64], back[64];
    for (int i = 0; i < 64; i++)
        src[i] = (char)('0' + (i % 9 < 4 ? 0 : i % 9 == 8 ? 9 : i % 7));
    for (uint64_t n = 0; n <= 40; n++) {
        memcpy(buf, src, 64);
        pp_pi_digits_pack(buf, n);
        uint64_t size = pp_pi_packed_size(n);
        assert_int_equal(size, (n + 8) / 9 * 4);
        memset(back, 'x', sizeof back);
        pp_error err = { 0 };
        assert_int_equal(pp_pi_digits_unpack((const uint8_t *)buf, size, n,
                                             back, "t", &err),
                         0);
        assert_memory_equal(back, src, n);
        assert_int_equal(back[n], 'x'); /* nothing past the n digits */
    }
    /* "000000007" "123456789" "05": 7, 123456789, 5, little-endian. */
    char text[] = "00000000712345678905";
    pp_pi_digits_pack(text, 20);
    static const unsigned char want[12] = { 7, 0, 0, 0, 0x15, 0xcd, 0x5b,
                                            0x07, 5, 0, 0, 0 };
    assert_memory_equal(text, want, 12);
    /* All nines, the largest word. */
    char nines[19], out[19];
    memset(nines, '9', 19);
    pp_pi_digits_pack(nines, 19);
    static const unsigned char top[12] = { 0xff, 0xc9, 0x9a, 0x3b, 0xff,
                                           0xc9, 0x9a, 0x3b, 9, 0, 0, 0 };
    assert_memory_equal(nines, top, 12);
    pp_error err = { 0 };
    assert_int_equal(pp_pi_digits_unpack((const uint8_t *)nines, 12, 19, out,
                                         "t", &err),
                     0);
    for (int i = 0; i < 19; i++)
        assert_int_equal(out[i], '9');
}

/* A packed piece of the wrong size, or with a word that is not a number
 * of its digits, is refused in one line naming it. */
static void malformed_packed_digits_are_refused(void **state)
{
    (void)state;
    char out[32];
    pp_error err = { 0 };
    uint8_t w[12] = { 0 };
    assert_int_equal(pp_pi_digits_unpack(w, 8, 19, out, "pi_decimal_side",
                                         &err),
                     PP_EPROTO);
    assert_string_equal(err.msg, "pi_decimal_side: 8 bytes of packed "
                                 "digits, not the 12 of 19 digits");
    assert_int_equal(pp_pi_digits_unpack(w, 0, 1, out, "s", &err),
                     PP_EPROTO);
    assert_string_equal(err.msg,
                        "s: 0 bytes of packed digits, not the 4 of 1 digits");
    /* 10^9 in a full word. */
    uint8_t big[8] = { 0x00, 0xca, 0x9a, 0x3b, 0, 0, 0, 0 };
    assert_int_equal(pp_pi_digits_unpack(big, 8, 10, out, "s", &err),
                     PP_EPROTO);
    assert_string_equal(err.msg,
                        "s: packed word 0 is 1000000000, more than 9 digits");
    /* The last word of 1 digit holding 10; the top byte set. */
    uint8_t last[8] = { 0, 0, 0, 0, 10, 0, 0, 0 };
    assert_int_equal(pp_pi_digits_unpack(last, 8, 10, out, "s", &err),
                     PP_EPROTO);
    assert_string_equal(err.msg, "s: packed word 1 is 10, more than 1 digits");
    uint8_t high[4] = { 0, 0, 0, 0xff };
    assert_int_equal(pp_pi_digits_unpack(high, 4, 9, out, "s", &err),
                     PP_EPROTO);
    assert_string_equal(err.msg,
                        "s: packed word 0 is 4278190080, more than 9 digits");
    /* Nothing at all: 0 digits are 0 bytes. */
    assert_int_equal(pp_pi_digits_unpack(NULL, 0, 0, out, "s", &err), 0);
}

/* Every value of got equals want's, type and bytes. */
static void assert_same_values(const pp_values *got, const pp_values *want)
{
    assert_int_equal(got->n, want->n);
    for (size_t i = 0; i < got->n; i++) {
        assert_int_equal(got->v[i].type, want->v[i].type);
        assert_int_equal(got->v[i].size, want->v[i].size);
        assert_memory_equal(got->v[i].data, want->v[i].data,
                            want->v[i].size);
    }
}

/* values[i] equals want[i] as numbers, for n of them. */
static void assert_same_numbers(const pp_values *got, size_t at,
                                const pp_values *want, size_t from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(at + i < got->n && from + i < want->n);
        const pp_value *g = &got->v[at + i], *w = &want->v[from + i];
        assert_int_equal(g->type, PP_T_BIGINT);
        assert_int_equal(g->size, w->size);
        assert_memory_equal(g->data, w->data, w->size);
    }
}

/* A merge split in two tasks (pi_merge_pq: P and Q, pi_merge_t: T) gives
 * the numbers of the whole merge (pi_merge), from leaves (whole triples)
 * and from split merges (the P, Q half takes only P and Q), with and
 * without P (the right edge); and the tree of split merges over four
 * leaves, then the finish, gives the digits. */
static void a_split_merge_gives_the_whole_merges_numbers(void **state)
{
    (void)state;
    uint64_t n = 20000, terms = pp_pi_terms(n);
    pp_values leaf[4], whole[3], pq[3], t[3];
    for (unsigned i = 0; i < 4; i++) {
        uint64_t a, b;
        pp_pi_leaf_range(terms, 4, i, &a, &b);
        int64_t r[3] = { (int64_t)a, (int64_t)b, b != terms };
        pp_value arg = i64s(r, 3);
        run_task(pp_pi_leaf_run, &arg, 1, &leaf[i]);
    }
    /* k 0: leaves 0 and 1 (P needed), k 1: leaves 2 and 3 (the right
     * edge: P not needed). */
    for (unsigned k = 0; k < 2; k++) {
        int64_t need_p = k == 0;
        pp_value args[7];
        copy_values(args, &leaf[2 * k]);
        copy_values(args + 3, &leaf[2 * k + 1]);
        args[6] = i64s(&need_p, 1);
        run_task(pp_pi_merge_run, args, 7, &whole[k]);
        int64_t form[3] = { need_p, 3, 3 };
        copy_values(args, &leaf[2 * k]);
        copy_values(args + 3, &leaf[2 * k + 1]);
        args[6] = i64s(form, 3);
        run_task(pp_pi_merge_pq_run, args, 7, &pq[k]);
        copy_values(args, &leaf[2 * k]);
        copy_values(args + 3, &leaf[2 * k + 1]);
        run_task(pp_pi_merge_t_run, args, 6, &t[k]);
        assert_int_equal(pq[k].n, 2);
        assert_int_equal(t[k].n, 1);
        assert_same_numbers(&pq[k], 0, &whole[k], 0, 2);
        assert_same_numbers(&t[k], 0, &whole[k], 2, 1);
    }
    /* The top: whole from whole merges, split from split ones (the P, Q
     * half from the two P, Q halves, the T half from all four tasks). */
    int64_t no_p = 0, form[3] = { 0, 2, 2 };
    pp_value args[7];
    copy_values(args, &whole[0]);
    copy_values(args + 3, &whole[1]);
    args[6] = i64s(&no_p, 1);
    run_task(pp_pi_merge_run, args, 7, &whole[2]);
    copy_values(args, &pq[0]);
    copy_values(args + 2, &pq[1]);
    args[4] = i64s(form, 3);
    run_task(pp_pi_merge_pq_run, args, 5, &pq[2]);
    copy_values(args, &pq[0]);
    copy_values(args + 2, &t[0]);
    copy_values(args + 3, &pq[1]);
    copy_values(args + 5, &t[1]);
    run_task(pp_pi_merge_t_run, args, 6, &t[2]);
    assert_same_numbers(&pq[2], 0, &whole[2], 0, 2);
    assert_same_numbers(&t[2], 0, &whole[2], 2, 1);
    /* Mixed forms: a whole triple on the left, a split merge's P and Q
     * on the right, P needed: pi_merge's numbers from the same values. */
    pp_values mixed_whole, mixed_pq;
    int64_t yes = 1, mixed[3] = { 1, 3, 2 };
    copy_values(args, &leaf[0]);
    copy_values(args + 3, &whole[0]);
    args[6] = i64s(&yes, 1);
    run_task(pp_pi_merge_run, args, 7, &mixed_whole);
    copy_values(args, &leaf[0]);
    copy_values(args + 3, &pq[0]);
    args[5] = i64s(mixed, 3);
    run_task(pp_pi_merge_pq_run, args, 6, &mixed_pq);
    assert_same_numbers(&mixed_pq, 0, &mixed_whole, 0, 2);
    /* The digits from the split tree's P, Q, T. */
    mpz_t Q, T;
    mpz_inits(Q, T, NULL);
    pp_error err = { 0 };
    assert_int_equal(pp_bigint_import(Q, &pq[2].v[1], &err), 0);
    assert_int_equal(pp_bigint_import(T, &t[2].v[0], &err), 0);
    char *digits = malloc(n + 1), *want = mpfr_digits(n);
    assert_non_null(digits);
    assert_int_equal(pp_pi_finish(Q, T, n, digits, &err), 0);
    assert_memory_equal(digits, want, n);
    free(digits);
    free(want);
    mpz_clears(Q, T, NULL);
    pp_values_free(&mixed_whole);
    pp_values_free(&mixed_pq);
    for (int i = 0; i < 4; i++)
        pp_values_free(&leaf[i]);
    for (int i = 0; i < 3; i++) {
        pp_values_free(&whole[i]);
        pp_values_free(&pq[i]);
        pp_values_free(&t[i]);
    }
}

/* The finish of pi_run's graph on more engines, by hand: the left
 * range's two halves (8 leaves: merges of leaves 0-1 and 2-3) merged by
 * the division itself (P1, Q1, T1, Q2, T2, S) and by the share of the
 * right range (P1, T1, P2, Q2, T2, Q_R, T_R), pi_merge_t from the four
 * numbers it reads, and the division from Q, T, S alone, each give the
 * numbers of their forms from whole triples, and the tree of cuts whose
 * children take their side alone gives the digits. */
static void the_folded_finish_gives_the_same_numbers(void **state)
{
    (void)state;
    uint64_t n = 50000, terms = pp_pi_terms(n);
    int64_t bits = (int64_t)pp_pi_work_bits(n, 0);
    char *want = mpfr_digits(n);
    pp_values leaf[8], half[2], left, right4[2], right, sq;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t a, b;
        pp_pi_leaf_range(terms, 8, i, &a, &b);
        int64_t r[3] = { (int64_t)a, (int64_t)b, b != terms };
        pp_value arg = i64s(r, 3);
        run_task(pp_pi_leaf_run, &arg, 1, &leaf[i]);
    }
    pp_value args[8];
    /* half[k]: leaves 2k, 2k + 1; right4[k]: leaves 4 + 2k, 5 + 2k. */
    for (unsigned k = 0; k < 4; k++) {
        copy_values(args, &leaf[2 * k]);
        copy_values(args + 3, &leaf[2 * k + 1]);
        int64_t need_p = k < 3;
        args[6] = i64s(&need_p, 1);
        run_task(pp_pi_merge_run, args, 7, k < 2 ? &half[k] : &right4[k - 2]);
    }
    int64_t yes = 1, no = 0;
    copy_values(args, &half[0]);
    copy_values(args + 3, &half[1]);
    args[6] = i64s(&yes, 1);
    run_task(pp_pi_merge_run, args, 7, &left);
    copy_values(args, &right4[0]);
    copy_values(args + 3, &right4[1]);
    args[6] = i64s(&no, 1);
    run_task(pp_pi_merge_run, args, 7, &right);
    pp_value arg = i64s(&bits, 1);
    run_task(pp_pi_sqrt_run, &arg, 1, &sq);

    /* pi_merge_t: P1, T1, Q2, T2 alone. */
    pp_values t6, t4;
    copy_values(args, &half[0]);
    copy_values(args + 3, &half[1]);
    run_task(pp_pi_merge_t_run, args, 6, &t6);
    pp_values p1 = { .v = half[0].v, .n = 1 }, t1 = { .v = half[0].v + 2,
                                                      .n = 1 },
              qt2 = { .v = half[1].v + 1, .n = 2 };
    copy_values(args, &p1);
    copy_values(args + 1, &t1);
    copy_values(args + 2, &qt2);
    run_task(pp_pi_merge_t_run, args, 4, &t4);
    assert_same_values(&t4, &t6);
    assert_same_numbers(&t4, 0, &left, 2, 1);

    /* pi_divide: P, Q, T, S; Q, T, S; P1, Q1, T1, Q2, T2, S. */
    pp_values d5, d4, d7;
    copy_values(args, &left);
    copy_values(args + 3, &sq);
    args[4] = i64s(&bits, 1);
    run_task(pp_pi_divide_run, args, 5, &d5);
    pp_values qt = { .v = left.v + 1, .n = 2 };
    copy_values(args, &qt);
    copy_values(args + 2, &sq);
    args[3] = i64s(&bits, 1);
    run_task(pp_pi_divide_run, args, 4, &d4);
    copy_values(args, &half[0]);
    copy_values(args + 3, &qt2);
    copy_values(args + 5, &sq);
    args[6] = i64s(&bits, 1);
    run_task(pp_pi_divide_run, args, 7, &d7);
    assert_same_values(&d4, &d5);
    /* The folded form divides S Q by T in one step: the same y within
     * its 2 units (the digits below). */
    assert_int_equal(d7.n, 2);
    assert_int_equal(d7.v[1].size, d5.v[1].size);
    assert_memory_equal(d7.v[1].data, d5.v[1].data, d5.v[1].size);
    mpz_t y5, y7;
    mpz_inits(y5, y7, NULL);
    pp_error err = { 0 };
    assert_int_equal(pp_bigint_import(y5, &d5.v[0], &err), 0);
    assert_int_equal(pp_bigint_import(y7, &d7.v[0], &err), 0);
    mpz_sub(y7, y7, y5);
    assert_true(mpz_cmpabs_ui(y7, 2) <= 0);
    mpz_clears(y5, y7, NULL);

    /* pi_tail: two triples; P1, T1, P2, Q2, T2, Q_R, T_R. */
    pp_values s7, s8;
    copy_values(args, &left);
    copy_values(args + 3, &right);
    args[6] = i64s(&bits, 1);
    run_task(pp_pi_tail_run, args, 7, &s7);
    pp_values qt_r = { .v = right.v + 1, .n = 2 };
    copy_values(args, &p1);
    copy_values(args + 1, &t1);
    copy_values(args + 2, &half[1]);
    copy_values(args + 5, &qt_r);
    args[7] = i64s(&bits, 1);
    run_task(pp_pi_tail_run, args, 8, &s8);
    assert_same_values(&s8, &s7);
    /* In two steps: the left range's a from its halves, then d from a
     * and the right range's Q, T.  Rounded otherwise, the same y (1 + d)
     * within a unit (and the digits below). */
    pp_values l6, r5;
    copy_values(args, &p1);
    copy_values(args + 1, &t1);
    copy_values(args + 2, &half[1]);
    args[5] = i64s(&bits, 1);
    run_task(pp_pi_tail_run, args, 6, &l6);
    assert_int_equal(l6.n, 2);
    assert_int_equal(l6.v[0].type, PP_T_BIGINT);
    assert_int_equal(l6.v[1].type, PP_T_I64);
    copy_values(args, &l6);
    copy_values(args + 2, &qt_r);
    args[4] = i64s(&bits, 1);
    run_task(pp_pi_tail_run, args, 5, &r5);
    assert_int_equal(r5.n, 2);
    {
        pp_pi_fixed ya, yb;
        pp_pi_fixed_init(&ya);
        pp_pi_fixed_init(&yb);
        mpz_t dm;
        mpz_init(dm);
        assert_int_equal(pp_bigint_import(ya.v, &d7.v[0], &err), 0);
        mpz_set(yb.v, ya.v);
        ya.bits = yb.bits = (uint64_t)bits;
        assert_int_equal(pp_bigint_import(dm, &s8.v[0], &err), 0);
        pp_pi_apply_tail(&ya, dm, pp_value_i64s(&s8.v[1])[0]);
        assert_int_equal(pp_bigint_import(dm, &r5.v[0], &err), 0);
        pp_pi_apply_tail(&yb, dm, pp_value_i64s(&r5.v[1])[0]);
        mpz_sub(ya.v, ya.v, yb.v);
        assert_true(mpz_cmpabs_ui(ya.v, 1) <= 0);
        mpz_clear(dm);
        pp_pi_fixed_clear(&ya);
        pp_pi_fixed_clear(&yb);
    }

    /* The digits: the tree of cuts over the folded finish's values, in
     * 2 to 8 pieces, children taking their side alone. */
    char *digits = malloc(n);
    assert_non_null(digits);
    for (unsigned pieces = 2; pieces <= 8; pieces += 3) {
        memset(digits, 'x', n);
        run_tree_alone(&d7, &s8, -1, n, pieces, digits);
        assert_memory_equal(digits, want, n);
        memset(digits, 'x', n);
        run_tree_split_root(&d7, &s8, n, pieces, false, digits);
        assert_memory_equal(digits, want, n);
        memset(digits, 'x', n);
        run_tree_split_root(&d7, &s8, n, pieces, true, digits);
        assert_memory_equal(digits, want, n);
        memset(digits, 'x', n);
        run_tree_split_root(&d7, &r5, n, pieces, true, digits);
        assert_memory_equal(digits, want, n);
    }
    free(digits);
    free(want);
    pp_values *all[] = { &left, &right, &sq, &t6, &t4, &d5, &d4, &d7,
                         &s7, &s8, &l6, &r5, &half[0], &half[1],
                         &right4[0],
                         &right4[1] };
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        pp_values_free(all[i]);
    for (int i = 0; i < 8; i++)
        pp_values_free(&leaf[i]);
}

/* The graph pi_run submits, run by hand: leaves, a merge on each side,
 * the square root, the division of the left side, the share of the right
 * side (pi_tail) and the two halves of the conversion (pi_decimal_tail:
 * with dm and dexp), each half alone. */
static void the_tasks_of_a_split_finish_give_the_digits(void **state)
{
    (void)state;
    uint64_t n = 50000, terms = pp_pi_terms(n);
    int64_t bits = (int64_t)pp_pi_work_bits(n, 0);
    char *want = mpfr_digits(n);
    pp_values leaf[4], side[2], sq, head, tail, half[2];
    for (unsigned i = 0; i < 4; i++) {
        uint64_t a, b;
        pp_pi_leaf_range(terms, 4, i, &a, &b);
        int64_t r[3] = { (int64_t)a, (int64_t)b, b != terms };
        pp_value arg = i64s(r, 3);
        run_task(pp_pi_leaf_run, &arg, 1, &leaf[i]);
        assert_int_equal(leaf[i].n, 3);
    }
    for (unsigned k = 0; k < 2; k++) {
        pp_value args[7];
        copy_values(args, &leaf[2 * k]);
        copy_values(args + 3, &leaf[2 * k + 1]);
        int64_t need_p = k == 0;
        args[6] = i64s(&need_p, 1);
        run_task(pp_pi_merge_run, args, 7, &side[k]);
    }
    pp_value arg = i64s(&bits, 1);
    run_task(pp_pi_sqrt_run, &arg, 1, &sq);
    pp_value dargs[5];
    copy_values(dargs, &side[0]);
    copy_values(dargs + 3, &sq);
    dargs[4] = i64s(&bits, 1);
    run_task(pp_pi_divide_run, dargs, 5, &head);
    assert_int_equal(head.n, 2);
    pp_value targs[7];
    copy_values(targs, &side[0]);
    copy_values(targs + 3, &side[1]);
    targs[6] = i64s(&bits, 1);
    run_task(pp_pi_tail_run, targs, 7, &tail);
    assert_int_equal(tail.n, 2);
    assert_int_equal(tail.v[0].type, PP_T_BIGINT);
    uint64_t h = pp_pi_decimal_halves_point(n);
    for (int k = 0; k < 2; k++) {
        pp_value cargs[5];
        copy_values(cargs, &head);
        copy_values(cargs + 2, &tail);
        int64_t nh[3] = { (int64_t)n, k, (int64_t)h };
        cargs[4] = i64s(nh, 3);
        run_task(pp_pi_decimal_tail_run, cargs, 5, &half[k]);
        assert_int_equal(half[k].n, 1);
        assert_int_equal(half[k].v[0].size, k ? n - h : h);
    }
    assert_memory_equal(half[0].v[0].data, want, h);
    assert_memory_equal(half[1].v[0].data, want + h, n - h);

    /* The whole conversion in one task. */
    pp_values all;
    pp_value cargs[5];
    copy_values(cargs, &head);
    copy_values(cargs + 2, &tail);
    int64_t nh[2] = { (int64_t)n, -1 };
    cargs[4] = i64s(nh, 2);
    run_task(pp_pi_decimal_tail_run, cargs, 5, &all);
    assert_memory_equal(all.v[0].data, want, n);
    pp_values_free(&all);

    /* The conversion in 3, 5 and 8 pieces ([n, 2, lo, hi]), each piece
     * a task: together the digits, later pieces shorter. */
    static const unsigned counts[] = { 3, 5, 8 };
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        unsigned np = counts[c];
        for (unsigned j = 0; j < np; j++) {
            uint64_t lo = pp_pi_decimal_piece_point(n, np, j),
                     hi = pp_pi_decimal_piece_point(n, np, j + 1);
            assert_true(lo < hi);
            if (j + 1 < np)
                assert_true(hi - lo >= pp_pi_decimal_piece_point(n, np, j + 2)
                                           - hi);
            pp_values piece;
            copy_values(cargs, &head);
            copy_values(cargs + 2, &tail);
            int64_t lh[4] = { (int64_t)n, 2, (int64_t)lo, (int64_t)hi };
            cargs[4] = i64s(lh, 4);
            run_task(pp_pi_decimal_tail_run, cargs, 5, &piece);
            assert_int_equal(piece.v[0].size, hi - lo);
            assert_memory_equal(piece.v[0].data, want + lo, hi - lo);
            pp_values_free(&piece);
            /* Without the tail: the left range's digits, cut the same. */
            pp_values plain, whole;
            pp_value pargs[3];
            copy_values(pargs, &head);
            pargs[2] = i64s(lh, 4);
            run_task(pp_pi_decimal_run, pargs, 3, &plain);
            copy_values(pargs, &head);
            int64_t nall[2] = { (int64_t)n, -1 };
            pargs[2] = i64s(nall, 2);
            run_task(pp_pi_decimal_run, pargs, 3, &whole);
            assert_memory_equal(plain.v[0].data,
                                (const char *)whole.v[0].data + lo, hi - lo);
            pp_values_free(&plain);
            pp_values_free(&whole);
        }
        assert_int_equal(pp_pi_decimal_piece_point(n, np, np), n);
    }

    /* The conversion as a tree of cuts in 2, 3, 4 and 8 pieces: the
     * digits of the one-task conversion. */
    static const unsigned tree_pieces[] = { 2, 3, 4, 8 };
    char *got = malloc(n);
    assert_non_null(got);
    for (size_t c = 0; c < sizeof tree_pieces / sizeof *tree_pieces; c++) {
        memset(got, 'x', n);
        run_tree(&head, &tail, -1, n, tree_pieces[c], got);
        assert_memory_equal(got, want, n);
    }
    free(got);

    /* Bad shapes are refused by name: each form has its own. */
    pp_error err = { 0 };
    pp_values out = { 0 };
    {
        pp_value bargs[5];
        copy_values(bargs, &head);
        copy_values(bargs + 2, &tail);
        int64_t root[3] = { (int64_t)n, -1, (int64_t)n };
        bargs[4] = i64s(root, 3);
        assert_int_equal(pp_pi_decimal_cut_run(bargs, 5, &out, &err),
                         PP_EINVAL);
        char want_msg[120];
        snprintf(want_msg, sizeof want_msg,
                 "pi_decimal_cut: h %" PRIu64 " is out of range (1 to %"
                 PRIu64 ")", n, n - 1);
        assert_string_equal(err.msg, want_msg);
        /* The root's form is the cut's alone: a side is 0 or 1. */
        int64_t side[2] = { (int64_t)n, -1 };
        pp_value_free(&bargs[4]);
        bargs[4] = i64s(side, 2);
        assert_int_equal(pp_pi_decimal_side_run(bargs, 5, &out, &err),
                         PP_EINVAL);
        assert_string_equal(err.msg,
                            "pi_decimal_side: side -1 is out of range (0 "
                            "to 1)");
        /* More digits than the value's bits hold. */
        int64_t many[3] = { 1000 * (int64_t)n, -1, 10 };
        pp_value_free(&bargs[4]);
        bargs[4] = i64s(many, 3);
        assert_int_equal(pp_pi_decimal_cut_run(bargs, 5, &out, &err),
                         PP_EINVAL);
        assert_contains(err.msg, "pi_decimal_cut: 50000000 digits need "
                                 "more than the value's");
        assert_int_equal(pp_pi_decimal_cut_run(bargs, 4, &out, &err),
                         PP_EINVAL);
        assert_contains(err.msg, "pi_decimal_cut: needs y, i64 [bits, "
                                 "ulps], dm");
        assert_int_equal(out.n, 0);
        for (int i = 0; i < 5; i++)
            pp_value_free(&bargs[i]);
    }
    copy_values(targs, &side[0]);
    copy_values(targs + 3, &side[1]);
    int64_t bad[2] = { 0, bits };
    targs[6] = i64s(bad, 2);
    assert_int_equal(pp_pi_merge_run(targs, 7, &out, &err), PP_EINVAL);
    assert_string_equal(err.msg, "pi_merge: needs [need_p] (1 i64)");
    assert_int_equal(pp_pi_tail_run(targs, 7, &out, &err), PP_EINVAL);
    assert_string_equal(err.msg, "pi_tail: needs [bits] (1 i64)");
    for (int i = 0; i < 7; i++)
        pp_value_free(&targs[i]);
    copy_values(cargs, &head);
    copy_values(cargs + 2, &tail);
    int64_t badh[3] = { (int64_t)n, 0, (int64_t)n };
    cargs[4] = i64s(badh, 3);
    assert_int_equal(pp_pi_decimal_tail_run(cargs, 5, &out, &err),
                     PP_EINVAL);
    char want_h[100];
    snprintf(want_h, sizeof want_h,
             "pi_decimal_tail: h %" PRIu64 " is out of range (1 to %" PRIu64
             ")",
             n, n - 1);
    assert_string_equal(err.msg, want_h);
    assert_int_equal(pp_pi_decimal_run(cargs, 5, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "pi_decimal: needs y, i64 [bits, ulps] and");
    /* The piece form: half 2 only, and lo < hi <= n. */
    pp_value_free(&cargs[4]);
    int64_t not_piece[4] = { (int64_t)n, 1, 0, 5 };
    cargs[4] = i64s(not_piece, 4);
    assert_int_equal(pp_pi_decimal_tail_run(cargs, 5, &out, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "pi_decimal_tail: [n, half, lo, hi] "
                                 "needs half 2 (a piece)");
    pp_value_free(&cargs[4]);
    int64_t empty[4] = { (int64_t)n, 2, 10, 10 };
    cargs[4] = i64s(empty, 4);
    assert_int_equal(pp_pi_decimal_tail_run(cargs, 5, &out, &err),
                     PP_EINVAL);
    snprintf(want_h, sizeof want_h,
             "pi_decimal_tail: hi 10 is out of range (11 to %" PRIu64 ")",
             n);
    assert_string_equal(err.msg, want_h);
    assert_int_equal(pp_pi_decimal_tail_run(cargs, 4, &out, &err),
                     PP_EINVAL);
    for (int i = 0; i < 5; i++)
        pp_value_free(&cargs[i]);
    pp_values_free(&out);

    for (int i = 0; i < 4; i++)
        pp_values_free(&leaf[i]);
    for (int i = 0; i < 2; i++) {
        pp_values_free(&side[i]);
        pp_values_free(&half[i]);
    }
    pp_values_free(&sq);
    pp_values_free(&head);
    pp_values_free(&tail);
    free(want);
}

static void an_ambiguous_cut_is_refused_not_guessed(void **state)
{
    (void)state;
    /* y = 1/2 exactly, but only known to within 2 units: its digits might
     * be 4999... or 5000..., so no digit is returned. */
    pp_pi_fixed y;
    pp_pi_fixed_init(&y);
    y.bits = 200;
    y.ulps = 2;
    mpz_set_ui(y.v, 1);
    mpz_mul_2exp(y.v, y.v, 199);
    char out[32];
    pp_error err = { 0 };
    assert_int_equal(pp_pi_to_decimal(&y, 10, out, &err), PP_EOVERFLOW);
    assert_contains(err.msg, "ambiguous");
    /* Known exactly, it is 5000000000. */
    y.ulps = 0;
    assert_int_equal(pp_pi_to_decimal(&y, 10, out, &err), 0);
    assert_memory_equal(out, "5000000000", 10);
    /* 1/2 + 10 units with 2 units of error is above 1/2 for sure... */
    y.ulps = 2;
    mpz_add_ui(y.v, y.v, 10);
    assert_int_equal(pp_pi_to_decimal(&y, 10, out, &err), 0);
    assert_memory_equal(out, "5000000000", 10);
    /* ...and 1/2 - 10 units below it: 4999999999, not rounded up. */
    mpz_sub_ui(y.v, y.v, 20);
    assert_int_equal(pp_pi_to_decimal(&y, 10, out, &err), 0);
    assert_memory_equal(out, "4999999999", 10);
    /* Too few bits for the digits asked. */
    y.bits = 20;
    mpz_set_ui(y.v, 1 << 19);
    assert_int_equal(pp_pi_to_decimal(&y, 10, out, &err), PP_EOVERFLOW);
    assert_contains(err.msg, "too few");
    /* A cut in the middle of a long run of zeros: 1/2 again, cut at 3000
     * of 6000 digits with a big error bound. */
    y.bits = 25000;
    y.ulps = 1000;
    mpz_set_ui(y.v, 1);
    mpz_mul_2exp(y.v, y.v, 24999);
    char *big = malloc(6000);
    assert_int_equal(pp_pi_to_decimal(&y, 6000, big, &err), PP_EOVERFLOW);
    assert_contains(err.msg, "ambiguous");
    free(big);
    pp_pi_fixed_clear(&y);
}

static void bad_arguments_are_refused(void **state)
{
    (void)state;
    char out[8];
    pp_error err = { 0 };
    assert_int_equal(pp_pi_compute(0, 1, out, &err), PP_EINVAL);
    assert_contains(err.msg, "0 digits");
    assert_int_equal(pp_pi_compute(PP_PI_MAX_DIGITS + 1, 1, out, &err),
                     PP_EINVAL);
    assert_int_equal(pp_pi_compute(5, 0, out, &err), PP_EINVAL);
    assert_contains(err.msg, "0 leaves");
    unsigned terms = (unsigned)pp_pi_terms(5);
    assert_int_equal(pp_pi_compute(5, terms + 1, out, &err), PP_EINVAL);
    assert_contains(err.msg, "leaves");
    mpz_t Q, T;
    mpz_inits(Q, T, NULL);
    mpz_set_ui(T, 5);
    assert_int_equal(pp_pi_finish(Q, T, 5, out, &err), PP_EINVAL);
    assert_contains(err.msg, "positive");
    mpz_clears(Q, T, NULL);
}

static void memory_estimates_grow_with_the_digits(void **state)
{
    (void)state;
    uint64_t prev = 0;
    for (uint64_t d = 1; d <= PP_PI_MAX_DIGITS; d *= 10) {
        uint64_t m = pp_pi_memory_estimate(d);
        assert_true(m > prev);
        assert_true(m >= d); /* the digits themselves */
        assert_true(pp_pi_leaf_memory_estimate(d, 2) <= m);
        assert_true(pp_pi_leaf_memory_estimate(d, 16)
                    <= pp_pi_leaf_memory_estimate(d, 2));
        prev = m;
    }
    /* The goal: 1.5e8 digits in one process within 1.2 GB. */
    assert_true(pp_pi_memory_estimate(150000000) < 1200000000ull);
}

/* ---- pp_parse_digits ---------------------------------------------------- */

static void assert_parses(const char *s, uint64_t want)
{
    uint64_t got = 0;
    pp_error err = { 0 };
    if (pp_parse_digits("--digits", s, &got, &err) != 0)
        fail_msg("'%s' refused: %s", s, err.msg);
    if (got != want)
        fail_msg("'%s' gave %llu, want %llu", s, (unsigned long long)got,
                 (unsigned long long)want);
}

static void assert_refuses(const char *s, const char *want)
{
    uint64_t got = 4242;
    pp_error err = { 0 };
    assert_int_equal(pp_parse_digits("--digits", s, &got, &err), PP_EINVAL);
    assert_int_equal(err.code, PP_EINVAL);
    assert_contains(err.msg, want);
    assert_not_contains(err.msg, "\n");
    assert_i64_equal(got, 4242);
}

static void digit_counts_parse_as_typed(void **state)
{
    (void)state;
    assert_parses("1000000", 1000000);
    assert_parses("150e6", 150000000);
    assert_parses("1.5e8", 150000000);
    assert_parses("1e6", 1000000);
    assert_parses("1E6", 1000000);
    assert_parses("1e+6", 1000000);
    assert_parses("1", 1);
    assert_parses("007", 7);
    assert_parses("12.0", 12);
    assert_parses("1.50e1", 15);
    assert_parses("100e-2", 1);
    assert_parses("0.5e1", 5);
    assert_parses("1e10", 10000000000ull);
    assert_parses("10000000000", 10000000000ull);
    assert_parses("3.14159e5", 314159);
}

static void bad_digit_counts_are_refused_by_name(void **state)
{
    (void)state;
    assert_refuses("1.5", "--digits: '1.5' is not a whole number of digits");
    assert_refuses("12.5", "'12.5' is not a whole number of digits");
    assert_refuses("1.5e0", "'1.5e0' is not a whole number of digits");
    assert_refuses("1e-3", "not a whole number");
    assert_refuses("0", "--digits: '0' is zero");
    assert_refuses("0.0e5", "is zero");
    assert_refuses("-5", "--digits: '-5' is negative");
    assert_refuses("-1e6", "is negative");
    assert_refuses("", "--digits: '' is not a number");
    assert_refuses("abc", "'abc' is not a number");
    assert_refuses("1e", "'1e' is not a number");
    assert_refuses("e6", "'e6' is not a number");
    assert_refuses("1.2.3", "not a number");
    assert_refuses("12 ", "not a number");
    assert_refuses(" 12", "not a number");
    assert_refuses("0x10", "not a number");
    assert_refuses("+5", "not a number");
    assert_refuses("1e6x", "not a number");
    assert_refuses("1.0000000001e10", "limit");
    assert_refuses("2e10", "--digits: '2e10' is more than the limit");
    assert_refuses("10000000001", "more than the limit");
    assert_refuses("1e999999999999", "more than the limit");
    assert_refuses("99999999999999999999999999999999", "more than the limit");
    assert_refuses("1\n2", "'1?2' is not a number");
    /* A long value is cut short in the message. */
    char longv[200];
    memset(longv, 'z', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    uint64_t got;
    pp_error err = { 0 };
    assert_int_equal(pp_parse_digits("--digits", longv, &got, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "...");
    assert_true(strlen(err.msg) < 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_first_forty_digits_are_the_known_ones),
        cmocka_unit_test(digits_agree_with_mpfr),
        cmocka_unit_test(the_last_digit_is_truncated_not_rounded),
        cmocka_unit_test(any_number_of_leaves_gives_the_same_digits),
        cmocka_unit_test(single_terms_are_the_formula),
        cmocka_unit_test(merged_pieces_equal_one_split),
        cmocka_unit_test(a_split_equals_the_merged_single_terms),
        cmocka_unit_test(empty_and_far_out_ranges_are_exact),
        cmocka_unit_test(terms_cover_the_digits_with_a_margin),
        cmocka_unit_test(leaf_ranges_are_contiguous_covering_and_not_empty),
        cmocka_unit_test(two_engines_share_the_work_as_measured),
        cmocka_unit_test(the_merge_tree_halves_its_range),
        cmocka_unit_test(the_square_root_is_within_two_units),
        cmocka_unit_test(the_fused_division_gives_the_digits),
        cmocka_unit_test(the_finish_pieces_give_the_digits),
        cmocka_unit_test(dividing_before_the_last_merge_gives_the_digits),
        cmocka_unit_test(quotients_past_mpfr_default_exponents_do_not_overflow),
        cmocka_unit_test(each_piece_of_a_cut_stands_alone),
        cmocka_unit_test(packed_digits_unpack_to_the_same),
        cmocka_unit_test(malformed_packed_digits_are_refused),
        cmocka_unit_test(the_tasks_of_a_split_finish_give_the_digits),
        cmocka_unit_test(a_split_merge_gives_the_whole_merges_numbers),
        cmocka_unit_test(the_folded_finish_gives_the_same_numbers),
        cmocka_unit_test(an_ambiguous_cut_is_refused_not_guessed),
        cmocka_unit_test(bad_arguments_are_refused),
        cmocka_unit_test(memory_estimates_grow_with_the_digits),
        cmocka_unit_test(digit_counts_parse_as_typed),
        cmocka_unit_test(bad_digit_counts_are_refused_by_name),
    };
    return cmocka_run_group_tests_name("pi", tests, NULL, NULL);
}
