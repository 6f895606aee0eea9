/* test_workloads.c - every number a workload takes from the wire is
 * range-checked before it reaches GMP, MPFR, a shift or an allocation: the
 * adapters (the registry's run functions, as the engine calls them) refuse
 * out-of-range counts, bits, digits, exponents and offsets with one line
 * that names the argument and the allowed range. */
#include "unit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gmp.h>

#include "bigint.h"
#include "pi.h"
#include "sha256.h"
#include "workload.h"

static pp_value i64s(const int64_t *x, size_t n)
{
    pp_value v;
    assert_int_equal(pp_value_i64(&v, x, n), 0);
    return v;
}

static pp_value big(long x)
{
    mpz_t z;
    mpz_init_set_si(z, x);
    pp_value v;
    assert_int_equal(pp_bigint_export(z, &v, NULL), 0);
    mpz_clear(z);
    return v;
}

/* Runs workload `name` on args (consumed) and expects PP_EINVAL with
 * exactly `want` as its message, and nothing in out. */
static void assert_refused(const char *name, pp_value *args, size_t n,
                           const char *want)
{
    const pp_workload *w = pp_workload_find(name);
    assert_non_null(w);
    pp_values out = { 0 };
    pp_error err = { 0 };
    int rc = w->run(args, n, &out, &err);
    if (rc != PP_EINVAL || strcmp(err.msg, want) != 0)
        fail_msg("%s: rc %d, \"%s\"; expected PP_EINVAL, \"%s\"", name, rc,
                 err.msg, want);
    assert_int_equal(out.n, 0);
    pp_values_free(&out);
    for (size_t i = 0; i < n; i++)
        pp_value_free(&args[i]);
}

static char *maxbits_text(void)
{
    static char text[32];
    snprintf(text, sizeof text, "%" PRIu64, pp_pi_max_bits());
    return text;
}

static void pi_sqrt_and_divide_refuse_bits_out_of_range(void **state)
{
    (void)state;
    char want[200];
    int64_t bad[] = { 0, -5, INT64_MIN, (int64_t)pp_pi_max_bits() + 1,
                      INT64_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want,
                 "pi_sqrt: %" PRId64 " bits is out of range (1 to %s)",
                 bad[i], maxbits_text());
        pp_value a = i64s(&bad[i], 1);
        assert_refused("pi_sqrt", &a, 1, want);

        pp_value d[5] = { big(0), big(1), big(1), big(1),
                          i64s(&bad[i], 1) };
        snprintf(want, sizeof want,
                 "pi_divide: %" PRId64 " bits is out of range (1 to %s)",
                 bad[i], maxbits_text());
        assert_refused("pi_divide", d, 5, want);

        /* pi_tail: the share of the right range, i64 [bits]. */
        pp_value m[7] = { big(1), big(1), big(1), big(1),
                          big(1), big(1), i64s(&bad[i], 1) };
        snprintf(want, sizeof want,
                 "pi_tail: %" PRId64 " bits is out of range (1 to %s)",
                 bad[i], maxbits_text());
        assert_refused("pi_tail", m, 7, want);
        /* and its two steps */
        pp_value l[6] = { big(1), big(1), big(1), big(1), big(1),
                          i64s(&bad[i], 1) };
        assert_refused("pi_tail", l, 6, want);
        pp_value r[5] = { big(1), i64s(&bad[i], 1), big(1), big(1),
                          i64s(&bad[i], 1) };
        assert_refused("pi_tail", r, 5, want);
    }
}

static void pi_leaf_refuses_terms_outside_the_series(void **state)
{
    (void)state;
    char want[200];
    uint64_t limit = pp_pi_terms(PP_PI_MAX_DIGITS);
    int64_t bad[][3] = { { -1, 5, 1 },
                         { 5, 5, 1 },
                         { 0, (int64_t)limit + 1, 1 },
                         { INT64_MIN, INT64_MAX, 0 } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(want, sizeof want,
                 "pi_leaf: terms [%" PRId64 ", %" PRId64
                 ") are not a range within [0, %" PRIu64 ")",
                 bad[i][0], bad[i][1], limit);
        pp_value a = i64s(bad[i], 3);
        assert_refused("pi_leaf", &a, 1, want);
    }
}

/* pi_decimal's y comes as a bigint and i64 [bits, ulps]: the bit count
 * (import_fixed) goes into shifts, so it is checked first. */
static void pi_decimal_refuses_a_fixed_point_out_of_range(void **state)
{
    (void)state;
    char want[200];
    int64_t bad_bits[] = { 0, -1, INT64_MIN, (int64_t)pp_pi_max_bits() + 1,
                           INT64_MAX };
    for (size_t i = 0; i < sizeof bad_bits / sizeof bad_bits[0]; i++) {
        pp_value a[3] = { big(12345), i64s((int64_t[]){ bad_bits[i], 2 }, 2),
                          i64s((int64_t[]){ 1, -1 }, 2) };
        snprintf(want, sizeof want,
                 "pi_decimal: %" PRId64 " bits is out of range (1 to %s)",
                 bad_bits[i], maxbits_text());
        assert_refused("pi_decimal", a, 3, want);
    }
    int64_t bad_ulps[] = { -1, INT64_MIN, PP_PI_MAX_ULPS + 1, INT64_MAX };
    for (size_t i = 0; i < sizeof bad_ulps / sizeof bad_ulps[0]; i++) {
        pp_value a[3] = { big(12345), i64s((int64_t[]){ 64, bad_ulps[i] }, 2),
                          i64s((int64_t[]){ 1, -1 }, 2) };
        snprintf(want, sizeof want,
                 "pi_decimal: %" PRId64 " ulps is out of range (0 to %d)",
                 bad_ulps[i], PP_PI_MAX_ULPS);
        assert_refused("pi_decimal", a, 3, want);
    }
}

static void pi_decimal_refuses_counts_out_of_range(void **state)
{
    (void)state;
    struct {
        int64_t nh[3];
        size_t count;
        const char *want;
    } cases[] = {
        { { 0, -1 }, 2,
          "pi_decimal: 0 digits is out of range (1 to 10000000000)" },
        { { -7, 0 }, 2,
          "pi_decimal: -7 digits is out of range (1 to 10000000000)" },
        { { 10000000001, -1 }, 2,
          "pi_decimal: 10000000001 digits is out of range (1 to "
          "10000000000)" },
        { { INT64_MIN, -1 }, 2,
          "pi_decimal: -9223372036854775808 digits is out of range (1 to "
          "10000000000)" },
        { { 10, 2 }, 2, "pi_decimal: half 2 is out of range (-1 to 1)" },
        { { 10, INT64_MIN }, 2,
          "pi_decimal: half -9223372036854775808 is out of range (-1 to "
          "1)" },
        { { 1, 0 }, 2,
          "pi_decimal: half 0 of 1 digit: a cut needs at least 2 digits" },
        { { 10, 0, 0 }, 3, "pi_decimal: h 0 is out of range (1 to 9)" },
        { { 10, 1, 10 }, 3, "pi_decimal: h 10 is out of range (1 to 9)" },
        { { 10, 1, -3 }, 3, "pi_decimal: h -3 is out of range (1 to 9)" },
        { { 10, 0, INT64_MAX }, 3,
          "pi_decimal: h 9223372036854775807 is out of range (1 to 9)" },
        /* 64 bits hold 19 digits, not a billion: no powers of 5 of a
         * billion digits for a number of one word. */
        { { 1000000000, -1 }, 2,
          "pi_decimal: 1000000000 digits need more than y's 64 bits (19 "
          "digits at most)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pp_value a[3] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                          i64s(cases[i].nh, cases[i].count) };
        assert_refused("pi_decimal", a, 3, cases[i].want);
    }
}

/* pi_pow5: k from 1 to the digits' limit, alone. */
static void pi_pow5_refuses_bad_exponents(void **state)
{
    (void)state;
    pp_value a = i64s((int64_t[]){ 0 }, 1);
    assert_refused("pi_pow5", &a, 1,
                   "pi_pow5: k 0 is out of range (1 to 10000000000)");
    a = i64s((int64_t[]){ 10000000001 }, 1);
    assert_refused("pi_pow5", &a, 1,
                   "pi_pow5: k 10000000001 is out of range (1 to "
                   "10000000000)");
    a = i64s((int64_t[]){ 3, 4 }, 2);
    assert_refused("pi_pow5", &a, 1, "pi_pow5: needs [k] (1 i64)");
    pp_value two[2] = { i64s((int64_t[]){ 3 }, 1), i64s((int64_t[]){ 3 }, 1) };
    assert_refused("pi_pow5", two, 2, "pi_pow5: needs i64 [k]");
}

/* The form with d = dm 2^dexp: dexp goes into shifts and their sums. */
/* The conversion's tree: the value a task works on (the root's y and d,
 * or a side of its parent's cut) is checked as pi_decimal's y is, the
 * side and the cut by name. */
static void pi_decimal_tree_tasks_refuse_bad_values(void **state)
{
    (void)state;
    char want[200];
    int64_t lo = -4 * (int64_t)pp_pi_max_bits();
    snprintf(want, sizeof want,
             "pi_decimal_cut: dexp 1 is out of range (%" PRId64 " to 0)", lo);
    pp_value a[5] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2), big(-3),
                      i64s((int64_t[]){ 1 }, 1),
                      i64s((int64_t[]){ 10, -1, 5 }, 3) };
    assert_refused("pi_decimal_cut", a, 5, want);
    /* One side of the root's cut ([n, -1, h, half]): the same d. */
    pp_value ah[5] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2), big(-3),
                       i64s((int64_t[]){ 1 }, 1),
                       i64s((int64_t[]){ 10, -1, 5, 1 }, 4) };
    assert_refused("pi_decimal_cut", ah, 5, want);
    /* With 5^h: the right half alone, and a power that is 5^h. */
    pp_value aw[6] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2), big(3),
                       i64s((int64_t[]){ -2 }, 1), big(125),
                       i64s((int64_t[]){ 10, -1, 3, 0 }, 4) };
    assert_refused("pi_decimal_cut", aw, 6,
                   "pi_decimal_cut: 5^h is for half 1, not half 0");
    static const long not_pow[3] = { 126, 25, 625 };
    for (int i = 0; i < 3; i++) {
        pp_value ap[6] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                           big(3), i64s((int64_t[]){ -2 }, 1),
                           big(not_pow[i]),
                           i64s((int64_t[]){ 10, -1, 3, 1 }, 4) };
        assert_refused("pi_decimal_cut", ap, 6,
                       "pi_decimal_cut: the power given is not 5^3");
    }
    /* Side 1 is the third and fourth values: their bits are checked. */
    snprintf(want, sizeof want,
             "pi_decimal_side: -1 bits is out of range (1 to %s)",
             maxbits_text());
    pp_value b[5] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2), big(7),
                      i64s((int64_t[]){ -1, 2 }, 2),
                      i64s((int64_t[]){ 10, 1 }, 2) };
    assert_refused("pi_decimal_side", b, 5, want);
    struct {
        const char *task;
        int64_t a[4];
        size_t count;
        const char *want;
    } cases[] = {
        { "pi_decimal_cut", { 10, 2, 5 }, 3,
          "pi_decimal_cut: side 2 is out of range (-1 to 1)" },
        { "pi_decimal_cut", { 10, 0, 5, 0 }, 4,
          "pi_decimal_cut: side 0 is out of range (-1 to -1)" },
        { "pi_decimal_cut", { 10, -1, 5, 2 }, 4,
          "pi_decimal_cut: half 2 is out of range (0 to 1)" },
        { "pi_decimal_cut", { 10, -1, 10, 0 }, 4,
          "pi_decimal_cut: h 10 is out of range (1 to 9)" },
        { "pi_decimal_cut", { 10, 0, 0 }, 3,
          "pi_decimal_cut: h 0 is out of range (1 to 9)" },
        { "pi_decimal_cut", { 1, 0, 1 }, 3,
          "pi_decimal_cut: 1 digits is out of range (2 to 10000000000)" },
        { "pi_decimal_cut", { 10, 0 }, 2,
          "pi_decimal_cut: needs [n, side, h] (3 i64)" },
        { "pi_decimal_side", { 10, -1 }, 2,
          "pi_decimal_side: side -1 is out of range (0 to 1)" },
        { "pi_decimal_side", { 0, 0 }, 2,
          "pi_decimal_side: 0 digits is out of range (1 to 10000000000)" },
        { "pi_decimal_side", { 1000000000, 0 }, 2,
          "pi_decimal_side: 1000000000 digits need more than the value's "
          "64 bits (19 digits at most)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pp_value c[5] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                          big(7), i64s((int64_t[]){ 64, 2 }, 2),
                          i64s(cases[i].a, cases[i].count) };
        assert_refused(cases[i].task, c, 5, cases[i].want);
    }
    /* A side taken alone (y, [bits, ulps], own): the same checks; the
     * root (side -1) needs the division's and the share's values. */
    struct {
        const char *task;
        int64_t a[3];
        size_t count;
        const char *want;
    } alone[] = {
        { "pi_decimal_cut", { 10, -1, 5 }, 3,
          "pi_decimal_cut: side -1 is out of range (0 to 1)" },
        { "pi_decimal_cut", { 10, 1, 10 }, 3,
          "pi_decimal_cut: h 10 is out of range (1 to 9)" },
        { "pi_decimal_side", { 1000000000, 1 }, 2,
          "pi_decimal_side: 1000000000 digits need more than the value's "
          "64 bits (19 digits at most)" },
    };
    for (size_t i = 0; i < sizeof alone / sizeof alone[0]; i++) {
        pp_value c[3] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                          i64s(alone[i].a, alone[i].count) };
        assert_refused(alone[i].task, c, 3, alone[i].want);
    }
    pp_value four[4] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                         big(7), i64s((int64_t[]){ 10, 0 }, 2) };
    assert_refused("pi_decimal_side", four, 4,
                   "pi_decimal_side: needs two values or one, each a bigint "
                   "and i64 [bits, ulps], and i64 [n, side]");
}

static void pi_decimal_tail_refuses_dexp_out_of_range(void **state)
{
    (void)state;
    char want[200];
    int64_t lo = -4 * (int64_t)pp_pi_max_bits();
    int64_t bad[] = { 1, 64, INT64_MAX, lo - 1, INT64_MIN };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int64_t half = -1; half <= 1; half++) {
            pp_value a[5] = { big(12345), i64s((int64_t[]){ 64, 2 }, 2),
                              big(-3), i64s(&bad[i], 1),
                              i64s((int64_t[]){ 10, half }, 2) };
            snprintf(want, sizeof want,
                     "pi_decimal_tail: dexp %" PRId64
                     " is out of range (%" PRId64 " to 0)",
                     bad[i], lo);
            assert_refused("pi_decimal_tail", a, 5, want);
        }
    }
}

static void other_workloads_refuse_numbers_out_of_range(void **state)
{
    (void)state;
    pp_value s = i64s((int64_t[]){ -1 }, 1);
    assert_refused("sleep", &s, 1,
                   "sleep: -1 seconds is out of range (0 to 86400)");
    s = i64s((int64_t[]){ 86401 }, 1);
    assert_refused("sleep", &s, 1,
                   "sleep: 86401 seconds is out of range (0 to 86400)");
    pp_value p[2] = { i64s((int64_t[]){ 2, 3 }, 2),
                      i64s((int64_t[]){ -2 }, 1) };
    assert_refused("powers", p, 2, "powers: exponent -2 is negative");
}

/* The two halves of a split merge take exactly their forms: the P, Q
 * half each range's P and Q (2 values) or whole triple (3), as i64
 * [need_p, n1, n2] says; the T half two triples.  A value that is not
 * a bigint is refused naming its place among the arguments. */
static void pi_merge_parts_refuse_bad_forms(void **state)
{
    (void)state;
    int64_t ok[3] = { 1, 2, 2 }, n4[3] = { 1, 4, 2 }, n1[3] = { 1, 2, 1 },
            two[2] = { 1, 2 }, big3[3] = { 1, 3, 2 };
    pp_value a[4] = { big(1), big(1), big(1), big(1) };
    assert_refused("pi_merge_pq", a, 4,
                   "pi_merge_pq: needs each range's P, Q (and T) and i64 "
                   "[need_p, n1, n2]");
    pp_value b[8] = { big(1), big(1), big(1), big(1),
                      big(1), big(1), big(1), i64s(ok, 3) };
    assert_refused("pi_merge_pq", b, 8,
                   "pi_merge_pq: needs each range's P, Q (and T) and i64 "
                   "[need_p, n1, n2]");
    pp_value c[5] = { big(1), big(1), big(1), big(1), i64s(two, 2) };
    assert_refused("pi_merge_pq", c, 5,
                   "pi_merge_pq: needs [need_p, n1, n2] (3 i64)");
    pp_value d[5] = { big(1), big(1), big(1), big(1), i64s(n4, 3) };
    assert_refused("pi_merge_pq", d, 5,
                   "pi_merge_pq: n1 4 is out of range (2 to 3)");
    pp_value e[5] = { big(1), big(1), big(1), big(1), i64s(n1, 3) };
    assert_refused("pi_merge_pq", e, 5,
                   "pi_merge_pq: n2 1 is out of range (2 to 3)");
    pp_value f[5] = { big(1), big(1), big(1), big(1), i64s(big3, 3) };
    assert_refused("pi_merge_pq", f, 5,
                   "pi_merge_pq: n1 3 and n2 2 need 6 arguments, not 5");
    pp_value g[7] = { big(1), big(1), big(1), big(1),
                      big(1), big(1), i64s(ok, 3) };
    assert_refused("pi_merge_pq", g, 7,
                   "pi_merge_pq: n1 2 and n2 2 need 5 arguments, not 7");
    pp_value h[5] = { big(1), big(1), big(1), big(1), big(1) };
    assert_refused("pi_merge_t", h, 5,
                   "pi_merge_t: needs two P, Q, T triples, or P1, T1, Q2, "
                   "T2");
    pp_value k[7] = { big(1), big(1), big(1), big(1),
                      big(1), big(1), big(1) };
    assert_refused("pi_merge_t", k, 7,
                   "pi_merge_t: needs two P, Q, T triples, or P1, T1, Q2, "
                   "T2");
    /* The forms that take only the numbers they read, by their counts:
     * the division and the share, other counts refused. */
    int64_t bits = 64;
    pp_value dv[6] = { big(1), big(1), big(1), big(1), big(1),
                       i64s(&bits, 1) };
    assert_refused("pi_divide", dv, 6,
                   "pi_divide: needs P, Q, T, S, or Q, T, S, or P1, Q1, "
                   "T1, Q2, T2, S, and i64 [bits]");
    pp_value tv[4] = { big(1), big(1), big(1), i64s(&bits, 1) };
    assert_refused("pi_tail", tv, 4,
                   "pi_tail: needs two P, Q, T triples, or the left "
                   "range's halves' P1, T1, P2, Q2, T2 and the right "
                   "range's Q, T, or one of these two steps: P1, T1, P2, "
                   "Q2, T2, or am, i64 [aexp] and Q, T; and i64 [bits]");
    /* The share's steps check their numbers: the left range's P and T
     * positive; the right step's a positive, its exponent an i64 in
     * range, and a with the bits the share needs. */
    pp_value tl[6] = { big(0), big(1), big(1), big(1), big(1),
                       i64s(&bits, 1) };
    assert_refused("pi_tail", tl, 6,
                   "pi_tail: the left range's P and T are positive");
    int64_t aexp = -100, huge_exp = -(2 * bits + 4097), pos_exp = 1;
    pp_value tr[5] = { big(0), i64s(&aexp, 1), big(1), big(1),
                       i64s(&bits, 1) };
    assert_refused("pi_tail", tr, 5,
                   "pi_tail: the left range's ratio and the right range's "
                   "Q are positive");
    pp_value tr2[5] = { big(1), big(1), big(1), big(1), i64s(&bits, 1) };
    assert_refused("pi_tail", tr2, 5,
                   "pi_tail: needs the left range's [aexp] (1 i64)");
    int64_t bad_exps[2] = { huge_exp, pos_exp };
    for (int i = 0; i < 2; i++) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "pi_tail: the left range's exponent %" PRId64
                 " is out of range (%" PRId64 " to 0)",
                 bad_exps[i], huge_exp + 1);
        pp_value tr3[5] = { big(1), i64s(&bad_exps[i], 1), big(1), big(1),
                            i64s(&bits, 1) };
        assert_refused("pi_tail", tr3, 5, msg);
    }
    /* a = 1 2^-100 (one bit) against Q = 1, T = 1: the share needs 64
     * bits of a. */
    pp_value tr5[5] = { big(1), i64s(&aexp, 1), big(1), big(1),
                        i64s(&bits, 1) };
    assert_refused("pi_tail", tr5, 5,
                   "pi_tail: the left range's ratio has 1 bits, fewer "
                   "than the 64 the share needs");
    /* a T / Q of 2^-1 is no share of the series (whose |x| is below
     * 2^-11): refused, not divided by Q + a T (0 for a T of -2). */
    int64_t zero_exp = 0;
    pp_value tr6[5] = { big(1), i64s(&zero_exp, 1), big(2), big(-1),
                        i64s(&bits, 1) };
    assert_refused("pi_tail", tr6, 5,
                   "pi_tail: a T / Q of the right range is not below "
                   "2^-8: not a share of the series");
    /* The division's Q and T are positive: a T of 0 is refused (it would
     * divide by zero), in each form. */
    pp_value dz[4] = { big(1), big(0), big(1), i64s(&bits, 1) };
    assert_refused("pi_divide", dz, 4, "pi_divide: Q and T are positive");
    pp_value dz7[7] = { big(0), big(1), big(0), big(1), big(0), big(1),
                        i64s(&bits, 1) };
    assert_refused("pi_divide", dz7, 7, "pi_divide: Q and T are positive");
    pp_value dn[5] = { big(1), big(-3), big(5), big(1), i64s(&bits, 1) };
    assert_refused("pi_divide", dn, 5, "pi_divide: Q and T are positive");
    /* The share from the halves checks its numbers like the other form. */
    pp_value tz[8] = { big(0), big(0), big(1), big(1), big(1), big(1),
                       big(1), i64s(&bits, 1) };
    assert_refused("pi_tail", tz, 8,
                   "pi_tail: the share of the right range needs the left "
                   "range's P and T, and the right range's Q");
    /* Two ranges whose P T / (T Q) is 1: no share of the series. */
    pp_value t7[7] = { big(1), big(1), big(1), big(1), big(1), big(1),
                       i64s(&bits, 1) };
    assert_refused("pi_tail", t7, 7,
                   "pi_tail: P T / (T Q) of the two ranges is not below "
                   "2^-8: not a share of the series");

    /* Not a bigint where a number is read: the P, Q half's Q2 is its
     * argument 3 in the short form, 4 in the long one; the T half's T2
     * is 5. */
    pp_values out = { 0 };
    pp_error err = { 0 };
    pp_value m[5] = { big(1), big(1), big(1), i64s(ok, 1), i64s(ok, 3) };
    assert_int_equal(pp_pi_merge_pq_run(m, 5, &out, &err), PP_EPROTO);
    assert_string_equal(err.msg, "pi_merge_pq: value 3: bigint: got a "
                                 "value of type i64");
    int64_t long_form[3] = { 0, 3, 3 };
    pp_value l[7] = { big(1), big(1), big(1), big(1),
                      i64s(ok, 1), big(1), i64s(long_form, 3) };
    assert_int_equal(pp_pi_merge_pq_run(l, 7, &out, &err), PP_EPROTO);
    assert_string_equal(err.msg, "pi_merge_pq: value 4: bigint: got a "
                                 "value of type i64");
    pp_value t[6] = { big(1), big(1), big(1), big(1), big(1), i64s(ok, 1) };
    assert_int_equal(pp_pi_merge_t_run(t, 6, &out, &err), PP_EPROTO);
    assert_string_equal(err.msg, "pi_merge_t: value 5: bigint: got a "
                                 "value of type i64");
    assert_int_equal(out.n, 0);
    for (int i = 0; i < 5; i++)
        pp_value_free(&m[i]);
    for (int i = 0; i < 7; i++)
        pp_value_free(&l[i]);
    for (int i = 0; i < 6; i++)
        pp_value_free(&t[i]);
}

/* pairs_local's [offset, length] against the engine's own digits file. */
static void pairs_local_refuses_a_range_outside_its_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/pipar-test-workloads-XXXXXX", path[128], sha[80];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/pi-64.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("3141592653589793238462643383279502884197169399375105820974944592",
          f);
    fclose(f);
    pp_error err = { 0 };
    assert_int_equal(pp_sha256_file(path, (size_t)-1, sha, &err), 0);
    setenv("PIPAR_DATA_DIR", dir, 1);
    int64_t bad[][2] = { { -1, 5 }, { 0, 65 }, { 60, 5 }, { 65, 0 },
                         { INT64_MAX, INT64_MAX }, { 0, INT64_MIN } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp_value l[3];
        assert_int_equal(pp_value_str(&l[0], "pi-64.txt"), 0);
        assert_int_equal(pp_value_str(&l[1], sha), 0);
        l[2] = i64s(bad[i], 2);
        char want[300];
        snprintf(want, sizeof want,
                 "pairs_local: [%" PRId64 ", +%" PRId64
                 ") is outside %s (64 digits)",
                 bad[i][0], bad[i][1], path);
        assert_refused("pairs_local", l, 3, want);
    }
    /* In range: counted. */
    pp_value l[3];
    assert_int_equal(pp_value_str(&l[0], "pi-64.txt"), 0);
    assert_int_equal(pp_value_str(&l[1], sha), 0);
    l[2] = i64s((int64_t[]){ 0, 64 }, 2);
    pp_values out = { 0 };
    assert_int_equal(pp_workload_find("pairs_local")->run(l, 3, &out, &err),
                     0);
    assert_int_equal(out.n, 1);
    int64_t total = 0;
    for (int k = 0; k < 100; k++)
        total += pp_value_i64s(&out.v[0])[k];
    assert_i64_equal(total, 63);
    pp_values_free(&out);
    for (int i = 0; i < 3; i++)
        pp_value_free(&l[i]);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pi_sqrt_and_divide_refuse_bits_out_of_range),
        cmocka_unit_test(pi_leaf_refuses_terms_outside_the_series),
        cmocka_unit_test(pi_decimal_refuses_a_fixed_point_out_of_range),
        cmocka_unit_test(pi_decimal_refuses_counts_out_of_range),
        cmocka_unit_test(pi_decimal_tail_refuses_dexp_out_of_range),
        cmocka_unit_test(pi_decimal_tree_tasks_refuse_bad_values),
        cmocka_unit_test(pi_pow5_refuses_bad_exponents),
        cmocka_unit_test(other_workloads_refuse_numbers_out_of_range),
        cmocka_unit_test(pi_merge_parts_refuse_bad_forms),
        cmocka_unit_test(pairs_local_refuses_a_range_outside_its_file),
    };
    return cmocka_run_group_tests_name("workloads", tests, NULL, NULL);
}
