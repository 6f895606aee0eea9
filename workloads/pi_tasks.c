/* pi_tasks.c - the digits of pi as tasks an engine runs: leaves of the
 * series, merges of two ranges (whole, or their products in two tasks;
 * or the right range's share of the quotient, in place of the last
 * merge), the square root, the division and one piece of the conversion
 * to decimal.  Big integers travel as PP_T_BIGINT values
 * (core/bigint.h); the arithmetic is workloads/pi.h's.
 * The task names stay those of the registry; new forms are told apart by
 * the count of their arguments. */
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "pi.h"
#include "workload.h"

static int want_i64s(const pp_value *v, size_t n, const char *task,
                     const char *what, pp_error *err)
{
    if (v->type != PP_T_I64 || pp_value_count(v) != n)
        return pp_error_set(err, PP_EINVAL, "%s: needs %s (%zu i64)", task,
                            what, n);
    return 0;
}

/* The one argument of a task that takes a single i64 ([bits], [k]). */
static int only_i64(const pp_value *args, size_t nargs, const char *task,
                    const char *what, int64_t *v, pp_error *err)
{
    if (nargs != 1)
        return pp_error_set(err, PP_EINVAL, "%s: needs i64 %s", task, what);
    int rc = want_i64s(&args[0], 1, task, what, err);
    if (!rc)
        *v = pp_value_i64s(&args[0])[0];
    return rc;
}

/* A number from the wire is checked before it reaches GMP, MPFR or a
 * size: outside [lo, hi] it is refused with a message that names it and
 * the range ("pi_sqrt: -5 bits is out of range (1 to 33219281...)"). */
static int in_range(const char *task, const char *name, int64_t v,
                    const char *unit, int64_t lo, int64_t hi, pp_error *err)
{
    if (v >= lo && v <= hi)
        return 0;
    return pp_error_set(err, PP_EINVAL,
                        "%s: %s%s%" PRId64 "%s%s is out of range (%" PRId64
                        " to %" PRId64 ")",
                        task, name, *name ? " " : "", v, *unit ? " " : "",
                        unit, lo, hi);
}

/* A fixed-point precision: 1 to pp_pi_max_bits(). */
static int bits_in_range(const char *task, int64_t bits, pp_error *err)
{
    return in_range(task, "", bits, "bits", 1, (int64_t)pp_pi_max_bits(),
                    err);
}

static bool one_i64(const pp_value *v, size_t n)
{
    return v->type == PP_T_I64 && pp_value_count(v) == n;
}

/* Appends P, Q, T (or only those asked) as bigint values. */
static int push_bigints(pp_values *out, mpz_t *z, size_t n, pp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        pp_value v;
        int rc = pp_bigint_export(z[i], &v, err);
        if (!rc && pp_values_push(out, &v)) {
            pp_value_free(&v);
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* m 2^e as a result's two values: bigint m, i64 [e] (pi_tail's share d,
 * or its left step's a). */
static int push_scaled(pp_values *out, mpz_t *m, int64_t e, pp_error *err)
{
    int rc = push_bigints(out, m, 1, err);
    pp_value v;
    if (!rc && (pp_value_i64(&v, &e, 1) || pp_values_push(out, &v)))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    return rc;
}

static int import_all(mpz_t *z, const pp_value *v, size_t n,
                      const char *task, pp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = pp_bigint_import(z[i], &v[i], err);
        if (rc) {
            pp_error_prefix(err, "%s: value %zu: ", task, i);
            return rc;
        }
    }
    return 0;
}

/* Argument i of args, its index in the message when it is refused. */
static int import_at(mpz_t z, const pp_value *args, size_t i,
                     const char *task, pp_error *err)
{
    int rc = pp_bigint_import(z, &args[i], err);
    if (rc)
        pp_error_prefix(err, "%s: value %zu: ", task, i);
    return rc;
}

/* args: i64 [a, b, need_p]  ->  P, Q, T of terms [a, b) */
int pp_pi_leaf_run(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    if (nargs != 1)
        return pp_error_set(err, PP_EINVAL,
                            "pi_leaf: needs i64 [a, b, need_p]");
    int rc = want_i64s(&args[0], 3, "pi_leaf", "[a, b, need_p]", err);
    if (rc)
        return rc;
    const int64_t *r = pp_value_i64s(&args[0]);
    uint64_t limit = pp_pi_terms(PP_PI_MAX_DIGITS);
    if (r[0] < 0 || r[1] <= r[0] || (uint64_t)r[1] > limit)
        return pp_error_set(err, PP_EINVAL,
                            "pi_leaf: terms [%" PRId64 ", %" PRId64
                            ") are not a range within [0, %" PRIu64 ")",
                            r[0], r[1], limit);
    mpz_t z[3];
    for (int i = 0; i < 3; i++)
        mpz_init(z[i]);
    pp_pi_split_ex(z[0], z[1], z[2], (uint64_t)r[0], (uint64_t)r[1],
                   r[2] != 0);
    rc = push_bigints(out, z, 3, err);
    for (int i = 0; i < 3; i++)
        mpz_clear(z[i]);
    return rc;
}

/* Q = Q1 Q2 and T = T1 Q2 + P1 T2 in z[0] and z[1] from z = P1, Q1, T1,
 * Q2, T2 (pp_pi_merge's numbers: the same Q and T), the others spent as
 * they go. */
static void merge_qt(mpz_t *z)
{
    pp_pi_mul_q(z[2], z[3]);  /* T1 Q2 */
    mpz_mul(z[0], z[0], z[4]); /* P1 T2 */
    mpz_realloc2(z[4], 64);
    mpz_add(z[2], z[2], z[0]);
    mpz_realloc2(z[0], 64);
    pp_pi_mul_q(z[1], z[3]); /* Q1 Q2 */
    mpz_realloc2(z[3], 64);
    mpz_swap(z[0], z[1]);
    mpz_swap(z[1], z[2]);
}

/* P = P1 P2 and T = T1 Q2 + P1 T2 in z[0] and z[1] from z = P1, T1, P2,
 * Q2, T2 (pp_pi_merge's numbers: the same P and T), the others spent as
 * they go. */
static void merge_pt(mpz_t *z)
{
    pp_pi_mul_q(z[1], z[3]);  /* T1 Q2 */
    mpz_realloc2(z[3], 64);
    mpz_mul(z[3], z[0], z[4]); /* P1 T2 */
    mpz_realloc2(z[4], 64);
    mpz_add(z[1], z[1], z[3]);
    mpz_realloc2(z[3], 64);
    mpz_mul(z[0], z[0], z[2]); /* P1 P2 */
    mpz_realloc2(z[2], 64);
}

/* The right range's share of the quotient (pp_pi_tail_ratio) from the
 * two ranges' triples (P1, Q1, T1, P2, Q2, T2), imported as it reads them
 * (P_L, T_L, Q_R, T_R); or from the left range's halves' P1, T1, P2, Q2,
 * T2 and the right range's Q, T (merged: the left range's P and T first,
 * pp_pi_merge's numbers). */
static int tail_ratio(const pp_value *args, bool halves, int64_t bits,
                      pp_values *out, pp_error *err)
{
    if (bits_in_range("pi_tail", bits, err))
        return PP_EINVAL;
    mpz_t z[5]; /* P_L, T_L, Q_R, T_R; or P1, T1, P2, Q2, T2 first */
    for (int i = 0; i < 5; i++)
        mpz_init(z[i]);
    static const int triples[4] = { 0, 2, 4, 5 };
    int rc = 0;
    if (halves) {
        rc = import_all(z, args, 5, "pi_tail", err);
        if (!rc) {
            merge_pt(z);
            rc = import_all(&z[2], &args[5], 2, "pi_tail", err);
        }
    }
    for (int i = 0; !halves && !rc && i < 4; i++)
        rc = import_all(&z[i], &args[triples[i]], 1, "pi_tail", err);
    if (!rc && (mpz_sgn(z[0]) <= 0 || mpz_sgn(z[1]) <= 0
                || mpz_sgn(z[2]) <= 0))
        rc = pp_error_set(err, PP_EINVAL,
                          "pi_tail: the share of the right range needs the "
                          "left range's P and T, and the right range's Q");
    mpz_t dm;
    mpz_init(dm);
    int64_t dexp = 0;
    if (!rc && pp_pi_tail_ratio(dm, &dexp, z[0], z[1], z[2], z[3],
                                (uint64_t)bits))
        rc = pp_error_set(err, PP_EINVAL,
                          "pi_tail: P T / (T Q) of the two ranges is not "
                          "below 2^-8: not a share of the series");
    for (int i = 0; i < 4; i++)
        mpz_realloc2(z[i], 64);
    if (!rc)
        rc = push_scaled(out, &dm, dexp, err);
    mpz_clear(dm);
    for (int i = 0; i < 5; i++)
        mpz_clear(z[i]);
    return rc;
}

/* args: P1, Q1, T1, P2, Q2, T2, i64 [need_p]  ->  P, Q, T */
int pp_pi_merge_run(const pp_value *args, size_t nargs, pp_values *out,
                    pp_error *err)
{
    if (nargs != 7)
        return pp_error_set(err, PP_EINVAL,
                            "pi_merge: needs two P, Q, T triples and "
                            "i64 [need_p]");
    int rc = want_i64s(&args[6], 1, "pi_merge", "[need_p]", err);
    if (rc)
        return rc;
    mpz_t z[6];
    for (int i = 0; i < 6; i++)
        mpz_init(z[i]);
    rc = import_all(z, args, 6, "pi_merge", err);
    if (!rc) {
        pp_pi_merge(z[0], z[1], z[2], z[3], z[4], z[5],
                    pp_value_i64s(&args[6])[0] != 0);
        /* The inputs of the right half go before the output is built, so
         * the peak holds one copy less. */
        for (int i = 3; i < 6; i++)
            mpz_set_ui(z[i], 0);
        rc = push_bigints(out, z, 3, err);
    }
    for (int i = 0; i < 6; i++)
        mpz_clear(z[i]);
    return rc;
}

/* ---- a merge split in two tasks ---------------------------------------
 * pp_pi_merge's products in two tasks of two products each, on two
 * engines at once: P = P1 P2 and Q = Q1 Q2 (pi_merge_pq), and
 * T = T1 Q2 + P1 T2 (pi_merge_t).  The numbers are pp_pi_merge's, product
 * by product.  A consumer held after both gets P, Q, T in that order, as
 * from a whole merge.  pi_merge_pq takes from a side split the same way
 * only its P and Q (not its T): the bytes that travel for it shrink by a
 * third. */

/* args: P1, Q1[, T1], P2, Q2[, T2], i64 [need_p, n1, n2]: n1 values of
 *   the left range and n2 of the right one, each 3 (P, Q, T: a leaf or a
 *   whole merge) or 2 (P, Q: the pi_merge_pq of a split merge)
 *   ->  P (0 when need_p is 0), Q of the two ranges merged */
int pp_pi_merge_pq_run(const pp_value *args, size_t nargs, pp_values *out,
                       pp_error *err)
{
    static const char what[] = "pi_merge_pq: needs each range's P, Q (and "
                               "T) and i64 [need_p, n1, n2]";
    if (nargs < 5 || nargs > 7)
        return pp_error_set(err, PP_EINVAL, "%s", what);
    int rc = want_i64s(&args[nargs - 1], 3, "pi_merge_pq",
                       "[need_p, n1, n2]", err);
    if (rc)
        return rc;
    const int64_t *a = pp_value_i64s(&args[nargs - 1]);
    if (in_range("pi_merge_pq", "n1", a[1], "", 2, 3, err)
        || in_range("pi_merge_pq", "n2", a[2], "", 2, 3, err))
        return PP_EINVAL;
    if (nargs != (size_t)(1 + a[1] + a[2]))
        return pp_error_set(err, PP_EINVAL,
                            "pi_merge_pq: n1 %" PRId64 " and n2 %" PRId64
                            " need %" PRId64 " arguments, not %zu",
                            a[1], a[2], 1 + a[1] + a[2], nargs);
    bool need_p = a[0] != 0;
    /* P1, Q1, P2, Q2: the T of a whole range is not read, nor the Ps
     * when P is not needed. */
    size_t from[4] = { 0, 1, (size_t)a[1], (size_t)a[1] + 1 };
    mpz_t z[4];
    for (int i = 0; i < 4; i++)
        mpz_init(z[i]);
    for (int i = 0; !rc && i < 4; i++)
        if (need_p || i % 2)
            rc = import_at(z[i], args, from[i], "pi_merge_pq", err);
    if (!rc) {
        if (need_p)
            mpz_mul(z[0], z[0], z[2]);
        mpz_set_ui(z[2], 0);
        pp_pi_mul_q(z[1], z[3]);
        mpz_set_ui(z[3], 0);
        rc = push_bigints(out, z, 2, err);
    }
    for (int i = 0; i < 4; i++)
        mpz_clear(z[i]);
    return rc;
}

/* args: P1, Q1, T1, P2, Q2, T2 (Q1 and P2 unread), or P1, T1, Q2, T2
 *   alone (the driver takes only those from the ranges' results)
 *   ->  T = T1 Q2 + P1 T2 of the two ranges merged */
int pp_pi_merge_t_run(const pp_value *args, size_t nargs, pp_values *out,
                      pp_error *err)
{
    if (nargs != 6 && nargs != 4)
        return pp_error_set(err, PP_EINVAL,
                            "pi_merge_t: needs two P, Q, T triples, or P1, "
                            "T1, Q2, T2");
    mpz_t z[4]; /* P1, T1, Q2, T2 */
    static const int triples[4] = { 0, 2, 4, 5 }, alone[4] = { 0, 1, 2, 3 };
    const int *from = nargs == 6 ? triples : alone;
    for (int i = 0; i < 4; i++)
        mpz_init(z[i]);
    int rc = 0;
    for (int i = 0; !rc && i < 4; i++)
        rc = import_at(z[i], args, (size_t)from[i], "pi_merge_t", err);
    if (!rc) {
        /* pp_pi_merge's order: P1 T2, then T1 Q2, then the sum. */
        mpz_mul(z[0], z[0], z[3]);
        mpz_set_ui(z[3], 0);
        pp_pi_mul_q(z[1], z[2]);
        mpz_set_ui(z[2], 0);
        mpz_add(z[1], z[1], z[0]);
        mpz_set_ui(z[0], 0);
        rc = push_bigints(out, &z[1], 1, err);
    }
    for (int i = 0; i < 4; i++)
        mpz_clear(z[i]);
    return rc;
}

/* args: P1, Q1, T1, P2, Q2, T2, i64 [bits] (the left and the right
 * range)
 *   ->  d = dm 2^dexp: bigint dm, i64 [dexp], the right range's share of
 *   the whole quotient (pp_pi_tail_ratio), for a finish that divides the
 *   left range alone and skips the last merge.
 * Or P1, T1, P2, Q2, T2 (the left range's two halves), Q3, T3 (the right
 * range), i64 [bits]: the left range's P and T merged here first. */
/* The left range's step of the share (pp_pi_tail_left): a = am 2^aexp
 * from its halves' P1, T1, P2, Q2, T2. */
static int tail_left(const pp_value *args, int64_t bits, pp_values *out,
                     pp_error *err)
{
    mpz_t z[5];
    for (int i = 0; i < 5; i++)
        mpz_init(z[i]);
    int rc = import_all(z, args, 5, "pi_tail", err);
    if (!rc) {
        merge_pt(z);
        if (mpz_sgn(z[0]) <= 0 || mpz_sgn(z[1]) <= 0)
            rc = pp_error_set(err, PP_EINVAL,
                              "pi_tail: the left range's P and T are "
                              "positive");
    }
    if (!rc) {
        mpz_t am;
        int64_t aexp;
        mpz_init(am);
        pp_pi_tail_left(am, &aexp, z[0], z[1], (uint64_t)bits);
        rc = push_scaled(out, &am, aexp, err);
        mpz_clear(am);
    }
    for (int i = 0; i < 5; i++)
        mpz_clear(z[i]);
    return rc;
}

/* The right range's step (pp_pi_tail_right): d from a = am 2^aexp (the
 * left range's step) and the right range's Q, T. */
static int tail_right(const pp_value *args, int64_t bits, pp_values *out,
                      pp_error *err)
{
    int rc = want_i64s(&args[1], 1, "pi_tail", "the left range's [aexp]",
                       err);
    if (rc)
        return rc;
    int64_t aexp = pp_value_i64s(&args[1])[0];
    /* a is below 1 and has at most the bits of the precision: outside
     * this, MPFR's exponents would overflow. */
    rc = in_range("pi_tail", "the left range's exponent", aexp, "",
                  -(2 * bits + 4096 < LONG_MAX / 2 ? 2 * bits + 4096
                                                   : LONG_MAX / 2),
                  0, err);
    if (rc)
        return rc;
    mpz_t z[3]; /* am, Q_R, T_R */
    for (int i = 0; i < 3; i++)
        mpz_init(z[i]);
    for (size_t i = 0; !rc && i < 3; i++)
        rc = import_at(z[i], args, i ? i + 1 : 0, "pi_tail", err);
    if (!rc && (mpz_sgn(z[0]) <= 0 || mpz_sgn(z[1]) <= 0))
        rc = pp_error_set(err, PP_EINVAL,
                          "pi_tail: the left range's ratio and the right "
                          "range's Q are positive");
    mpz_t dm;
    mpz_init(dm);
    int64_t dexp = 0;
    int share = rc ? 0
                   : pp_pi_tail_right(dm, &dexp, z[0], aexp, z[1], z[2],
                                      (uint64_t)bits);
    if (share == -1)
        rc = pp_error_set(err, PP_EINVAL,
                          "pi_tail: the left range's ratio has %zu bits, "
                          "fewer than the %" PRIu64 " the share needs",
                          mpz_sizeinbase(z[0], 2),
                          pp_pi_tail_right_bits(z[0], aexp, z[1], z[2],
                                                (uint64_t)bits));
    else if (share == -2)
        rc = pp_error_set(err, PP_EINVAL,
                          "pi_tail: a T / Q of the right range is not "
                          "below 2^-8: not a share of the series");
    for (int i = 0; i < 3; i++)
        mpz_realloc2(z[i], 64);
    if (!rc)
        rc = push_scaled(out, &dm, dexp, err);
    mpz_clear(dm);
    for (int i = 0; i < 3; i++)
        mpz_clear(z[i]);
    return rc;
}

/* Or in two steps, for a graph whose left range is done long before its
 * right one (pp_pi_tail_left, pp_pi_tail_right):
 *   P1, T1, P2, Q2, T2, i64 [bits] (the left range's halves)
 *     ->  a = am 2^aexp: bigint am, i64 [aexp];
 *   am, i64 [aexp], Q3, T3 (the right range), i64 [bits]
 *     ->  dm, i64 [dexp], as the forms above. */
int pp_pi_tail_run(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    if (nargs < 5 || nargs > 8)
        return pp_error_set(err, PP_EINVAL,
                            "pi_tail: needs two P, Q, T triples, or the "
                            "left range's halves' P1, T1, P2, Q2, T2 and "
                            "the right range's Q, T, or one of these two "
                            "steps: P1, T1, P2, Q2, T2, or am, i64 [aexp] "
                            "and Q, T; and i64 [bits]");
    int rc = want_i64s(&args[nargs - 1], 1, "pi_tail", "[bits]", err);
    if (rc)
        return rc;
    int64_t bits = pp_value_i64s(&args[nargs - 1])[0];
    if (nargs >= 7)
        return tail_ratio(args, nargs == 8, bits, out, err);
    if (bits_in_range("pi_tail", bits, err))
        return PP_EINVAL;
    return nargs == 6 ? tail_left(args, bits, out, err)
                      : tail_right(args, bits, out, err);
}

/* args: i64 [bits]  ->  S = 42688 sqrt(10005) 2^(bits+8) */
int pp_pi_sqrt_run(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    int64_t bits = 0;
    int rc = only_i64(args, nargs, "pi_sqrt", "[bits]", &bits, err);
    if (rc)
        return rc;
    if (bits_in_range("pi_sqrt", bits, err))
        return PP_EINVAL;
    mpz_t s;
    mpz_init(s);
    pp_pi_sqrt_part(s, (uint64_t)bits);
    rc = push_bigints(out, &s, 1, err);
    mpz_clear(s);
    return rc;
}

static int push_fixed(pp_values *out, const pp_pi_fixed *y, pp_error *err)
{
    int rc = push_bigints(out, (mpz_t *)&y->v, 1, err);
    pp_value meta;
    int64_t m[2] = { (int64_t)y->bits, (int64_t)y->ulps };
    if (!rc && (pp_value_i64(&meta, m, 2) || pp_values_push(out, &meta)))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    return rc;
}

/* y and i64 [bits, ulps]: the bit count goes into shifts and sizes, so
 * both are checked before the number is read. */
static int import_fixed(pp_pi_fixed *y, const pp_value *v, const char *task,
                        pp_error *err)
{
    int rc = want_i64s(&v[1], 2, task, "[bits, ulps]", err);
    if (rc)
        return rc;
    const int64_t *m = pp_value_i64s(&v[1]);
    if (bits_in_range(task, m[0], err)
        || in_range(task, "", m[1], "ulps", 0, PP_PI_MAX_ULPS, err))
        return PP_EINVAL;
    rc = pp_bigint_import(y->v, &v[0], err);
    if (!rc) {
        y->bits = (uint64_t)m[0];
        y->ulps = (uint64_t)m[1];
    }
    return rc;
}

/* args: P, Q, T (of the whole series, or of the left range before the
 *   last merge; P unused), S, i64 [bits], or Q, T, S, i64 [bits], or P1,
 *   Q1, T1, Q2, T2, S, i64 [bits]: the two halves of that range, merged
 *   here (the division then waits for no merge task)
 *   ->  y = pi / 10 (of the left range: to be taken times 1 + d) as a
 *   fixed-point bigint, i64 [bits, ulps] */
int pp_pi_divide_run(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    if (nargs != 5 && nargs != 4 && nargs != 7)
        return pp_error_set(err, PP_EINVAL,
                            "pi_divide: needs P, Q, T, S, or Q, T, S, or "
                            "P1, Q1, T1, Q2, T2, S, and i64 [bits]");
    int rc = want_i64s(&args[nargs - 1], 1, "pi_divide", "[bits]", err);
    if (rc)
        return rc;
    /* The bound pi_sqrt has: a negative or huge count would ask MPFR for
     * that precision, and GMP aborts the engine when it cannot have it. */
    int64_t bits = pp_value_i64s(&args[nargs - 1])[0];
    if (bits_in_range("pi_divide", bits, err))
        return PP_EINVAL;
    mpz_t z[6]; /* Q, T, S; or P1, Q1, T1, Q2, T2, S */
    size_t nz = nargs == 7 ? 6 : 3;
    for (size_t i = 0; i < nz; i++)
        mpz_init(z[i]);
    rc = import_all(z, args + nargs - 1 - nz, nz, "pi_divide", err);
    if (!rc && nz == 6) {
        merge_qt(z);
        mpz_swap(z[2], z[5]);
    }
    /* A series' Q and T are positive; a T of 0 would divide by zero. */
    if (!rc && (mpz_sgn(z[0]) <= 0 || mpz_sgn(z[1]) <= 0))
        rc = pp_error_set(err, PP_EINVAL, "pi_divide: Q and T are positive");
    pp_pi_fixed y;
    pp_pi_fixed_init(&y);
    if (!rc && nz == 6) {
        /* The form of more engines: S Q / T in one division. */
        pp_pi_divide_fused_own(&y, z[0], z[1], z[2], (uint64_t)bits);
        rc = push_fixed(out, &y, err);
    } else if (!rc) {
        /* The _own form frees Q and T as it goes: a lower peak. */
        pp_pi_divide_own(&y, z[0], z[1], z[2], (uint64_t)bits);
        rc = push_fixed(out, &y, err);
    }
    pp_pi_fixed_clear(&y);
    for (size_t i = 0; i < nz; i++)
        mpz_clear(z[i]);
    return rc;
}

/* Appends y's first count decimal digits to out as one bytes value. */
static int push_digits(const char *task, pp_pi_fixed *y, uint64_t count,
                       pp_values *out, pp_error *err)
{
    char *text = malloc(count + 1);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", task);
    int rc = pp_pi_to_decimal_own(y, count, text, err);
    if (!rc) {
        pp_value v;
        pp_value_take(&v, PP_T_BYTES, text, count);
        text = NULL;
        if (pp_values_push(out, &v)) {
            pp_value_free(&v);
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
        }
    }
    free(text);
    return rc;
}

/* Appends y's first count decimal digits to out packed
 * (pp_pi_digits_pack) as one bytes value: the pieces of the conversion's
 * tree, which travel to the driver. */
static int push_packed(const char *task, pp_pi_fixed *y, uint64_t count,
                       pp_values *out, pp_error *err)
{
    char *text = malloc(count + 1);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", task);
    int rc = pp_pi_to_decimal_own(y, count, text, err);
    if (!rc) {
        pp_pi_digits_pack(text, count);
        uint64_t size = pp_pi_packed_size(count);
        /* Gives back the tail the packing freed (smaller: cannot fail,
         * but a NULL keeps the block). */
        char *less = realloc(text, size ? size : 1);
        if (less)
            text = less;
        pp_value v;
        pp_value_take(&v, PP_T_BYTES, text, (size_t)size);
        text = NULL;
        if (pp_values_push(out, &v)) {
            pp_value_free(&v);
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
        }
    }
    free(text);
    return rc;
}

/* pi_decimal: y, i64 [bits, ulps], i64 [n, half[, h]]
 * pi_decimal_tail: y, i64 [bits, ulps], dm, i64 [dexp], i64 [n, half[, h]]
 *   -> bytes: the decimal digits of y, all n of them (half -1) or one half of
 * them (0: the digits before h, 1: the digits from h on; h defaults to
 * pp_pi_decimal_split_point(n)), so that two engines convert at once.
 * With dm and dexp (pi_decimal_tail), y is first taken times 1 + dm 2^dexp
 * (pp_pi_apply_tail): y of the left range and d from pi_tail's share of
 * the right range.  The two forms share their checks and their
 * conversion; task names the form in errors. */
static int decimal_run(const char *task, const pp_value *args, size_t nargs,
                       pp_values *out, pp_error *err)
{
    const pp_value *nh_v = &args[nargs - 1];
    size_t nnh = nh_v->type == PP_T_I64 ? pp_value_count(nh_v) : 0;
    if (nnh < 2 || nnh > 4)
        return pp_error_set(err, PP_EINVAL,
                            "%s: needs i64 [n, half], [n, half, h] or "
                            "[n, 2, lo, hi]",
                            task);
    const int64_t *nh = pp_value_i64s(nh_v);
    int64_t n = nh[0], half = nh[1];
    if (in_range(task, "", n, "digits", 1,
                 (int64_t)PP_PI_MAX_DIGITS, err)
        || in_range(task, "half", half, "", -1, nnh == 4 ? 2 : 1, err))
        return PP_EINVAL;
    /* The piece form: digits [lo, hi) of the n, one of several engines'
     * pieces of the conversion. */
    if (nnh == 4 && half != 2)
        return pp_error_set(err, PP_EINVAL,
                            "%s: [n, half, lo, hi] needs half 2 (a piece)",
                            task);
    if (nnh == 4
        && (in_range(task, "lo", nh[2], "", 0, n - 1, err)
            || in_range(task, "hi", nh[3], "", nh[2] + 1, n, err)))
        return PP_EINVAL;
    if (half >= 0 && n < 2)
        return pp_error_set(err, PP_EINVAL,
                            "%s: half %" PRId64 " of %" PRId64
                            " digit: a cut needs at least 2 digits",
                            task, half, n);
    if (half >= 0 && pp_value_count(nh_v) == 3
        && in_range(task, "h", nh[2], "", 1, n - 1, err))
        return PP_EINVAL;
    uint64_t h = pp_value_count(nh_v) == 3
                     ? (uint64_t)nh[2]
                     : half < 0 ? (uint64_t)n
                                : pp_pi_decimal_split_point((uint64_t)n);
    if (half >= 0 && (h < 1 || h >= (uint64_t)n))
        return pp_error_set(err, PP_EINVAL,
                            "%s: cannot cut %" PRId64 " digits at %" PRIu64,
                            task, n, h);
    /* y's own size bounds the digits it holds: n digits need n log2(10)
     * bits, so a few bits cannot ask for the powers of 5 of billions of
     * digits. */
    if (nargs >= 3 && one_i64(&args[1], 2)) {
        int64_t bits = pp_value_i64s(&args[1])[0];
        if (bits >= 1 && (double)n * 3.321928094887362 > (double)bits)
            return pp_error_set(err, PP_EINVAL,
                                "%s: %" PRId64
                                " digits need more than y's %" PRId64
                                " bits (%" PRIu64 " digits at most)",
                                task, n, bits,
                                (uint64_t)((double)bits
                                           / 3.321928094887362));
    }
    pp_pi_fixed y, part;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&part);
    int rc = import_fixed(&y, args, task, err);
    bool done = false; /* part already cut */
    uint64_t count = (uint64_t)n;
    if (!rc && half == 2) {
        mpz_t dm;
        mpz_init(dm);
        int64_t dexp = 0;
        if (nargs == 5) {
            rc = want_i64s(&args[3], 1, task, "[dexp]", err);
            if (!rc)
                rc = in_range(task, "dexp", pp_value_i64s(&args[3])[0], "",
                              -4 * (int64_t)pp_pi_max_bits(), 0, err);
            if (!rc)
                rc = pp_bigint_import(dm, &args[2], err);
            dexp = rc ? 0 : pp_value_i64s(&args[3])[0];
        }
        if (!rc)
            rc = pp_pi_decimal_piece(&y, nargs == 5 ? dm : NULL, dexp,
                                     (uint64_t)n, (uint64_t)nh[2],
                                     (uint64_t)nh[3], &part, err);
        mpz_clear(dm);
        pp_pi_fixed_clear(&y);
        pp_pi_fixed_init(&y);
        count = (uint64_t)(nh[3] - nh[2]);
        done = true;
    } else if (!rc && nargs == 5) {
        mpz_t dm;
        mpz_init(dm);
        rc = want_i64s(&args[3], 1, task, "[dexp]", err);
        /* d = dm 2^dexp is below 1 (pi_tail's share is below 2^-8): dexp
         * is never positive, and it goes into shifts and their sums. */
        if (!rc)
            rc = in_range(task, "dexp", pp_value_i64s(&args[3])[0],
                          "", -4 * (int64_t)pp_pi_max_bits(), 0, err);
        if (!rc)
            rc = pp_bigint_import(dm, &args[2], err);
        int64_t dexp = rc ? 0 : pp_value_i64s(&args[3])[0];
        /* The left piece needs only the top of y d. */
        if (!rc && half == 0) {
            rc = pp_pi_decimal_left_tail(&y, dm, dexp, (uint64_t)n, h,
                                         &part, err);
            done = true;
        } else if (!rc) {
            pp_pi_apply_tail(&y, dm, dexp);
        }
        mpz_clear(dm);
    }
    if (!rc && done) {
        if (half != 2) { /* the piece form set its own count */
            pp_pi_fixed_clear(&y);
            pp_pi_fixed_init(&y);
            count = h;
        }
    } else if (!rc && half >= 0) {
        rc = pp_pi_decimal_part(&y, (uint64_t)n, h, (int)half, &part, err);
        pp_pi_fixed_clear(&y); /* spent: only the part is converted */
        pp_pi_fixed_init(&y);
        count = half == 0 ? h : (uint64_t)n - h;
    } else if (!rc) {
        mpz_swap(part.v, y.v);
        part.bits = y.bits;
        part.ulps = y.ulps;
    }
    if (!rc)
        rc = push_digits(task, &part, count, out, err);
    pp_pi_fixed_clear(&y);
    pp_pi_fixed_clear(&part);
    return rc;
}

int pp_pi_decimal_run(const pp_value *args, size_t nargs, pp_values *out,
                      pp_error *err)
{
    if (nargs != 3)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal: needs y, i64 [bits, ulps] and i64 "
                            "[n, half], [n, half, h] or [n, 2, lo, hi]");
    return decimal_run("pi_decimal", args, nargs, out, err);
}

int pp_pi_decimal_tail_run(const pp_value *args, size_t nargs,
                           pp_values *out, pp_error *err)
{
    if (nargs != 5)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal_tail: needs y, i64 [bits, ulps], dm, "
                            "i64 [dexp] and i64 [n, half], [n, half, h] or "
                            "[n, 2, lo, hi]");
    return decimal_run("pi_decimal_tail", args, nargs, out, err);
}

/* ---- the conversion as a tree across engines ---------------------------
 * pi_decimal_cut cuts a value's digits in two, a left and a right value
 * (pp_pi_decimal_split); its children cut those again, and
 * pi_decimal_side converts one side, so that each engine of the tree's
 * bottom converts a piece while only the root pays a product of the
 * whole size.  A child gets both sides of its parent and the side it
 * works on, or (the driver taking that side alone from its parent's
 * results) only that side's value: half the bytes. */

/* The checks of a digit count n for a value of `bits` bits: n digits
 * need n log2(10) bits, so a few bits cannot ask for the powers of 5 of
 * billions of digits. */
static int digits_fit(const char *task, int64_t n, int64_t bits,
                      pp_error *err)
{
    if ((double)n * 3.321928094887362 > (double)bits)
        return pp_error_set(err, PP_EINVAL,
                            "%s: %" PRId64 " digits need more than the "
                            "value's %" PRId64 " bits (%" PRIu64
                            " digits at most)",
                            task, n, bits,
                            (uint64_t)((double)bits / 3.321928094887362));
    return 0;
}

/* The root's d (dm 2^dexp, pi_tail's share): args[2] and args[3],
 * checked.  dm is initialised by the caller. */
static int tree_tail(const char *task, const pp_value *args, mpz_t dm,
                     int64_t *dexp, pp_error *err)
{
    int rc = want_i64s(&args[3], 1, task, "[dexp]", err);
    /* d is below 1 (pi_tail's share is below 2^-8): dexp is never
     * positive, and it goes into shifts and their sums. */
    if (!rc)
        rc = in_range(task, "dexp", pp_value_i64s(&args[3])[0], "",
                      -4 * (int64_t)pp_pi_max_bits(), 0, err);
    if (!rc)
        rc = pp_bigint_import(dm, &args[2], err);
    if (!rc)
        *dexp = pp_value_i64s(&args[3])[0];
    return rc;
}

/* The value a tree task works on: side -1, y and i64 [bits, ulps] of
 * the division then dm and i64 [dexp] of pi_tail, y taken times 1 + d
 * (unless bare: y alone, d left to the caller); side 0 or 1, that side
 * of the parent's two (y0, m0, y1, m1), or with alone the side's own
 * (y, m).  Its n digits are checked against its bits before anything is
 * multiplied. */
static int tree_value(const char *task, const pp_value *args, bool alone,
                      int64_t side, int64_t n, bool bare, pp_pi_fixed *y,
                      pp_error *err)
{
    const pp_value *v = side == 1 && !alone ? &args[2] : &args[0];
    int rc = want_i64s(&v[1], 2, task, "[bits, ulps]", err);
    if (!rc && bits_in_range(task, pp_value_i64s(&v[1])[0], err))
        rc = PP_EINVAL;
    if (!rc)
        rc = digits_fit(task, n, pp_value_i64s(&v[1])[0], err);
    if (!rc)
        rc = import_fixed(y, v, task, err);
    if (rc || side >= 0 || bare)
        return rc;
    mpz_t dm;
    mpz_init(dm);
    int64_t dexp = 0;
    rc = tree_tail(task, args, dm, &dexp, err);
    if (!rc)
        pp_pi_apply_tail(y, dm, dexp);
    mpz_clear(dm);
    return rc;
}

/* One side of the root's cut (half 0 or 1) for a root cut in two tasks:
 * the left one is cheap (only the bits of y d that reach its digits, and
 * a shift: pp_pi_decimal_left_tail), so that its side of the tree starts
 * while the right one is still multiplying by 5^h.  Pushes (part,
 * [bits, ulps]). */
static int root_half(const pp_value *args, size_t nargs, const int64_t *a,
                     pp_values *out, pp_error *err)
{
    const char *task = "pi_decimal_cut";
    if (in_range(task, "half", a[3], "", 0, 1, err))
        return PP_EINVAL;
    /* With 5^h (pi_pow5's, args[4]): the right half alone. */
    if (nargs == 6 && a[3] != 1)
        return pp_error_set(err, PP_EINVAL,
                            "%s: 5^h is for half 1, not half %" PRId64, task,
                            a[3]);
    pp_pi_fixed y, part;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&part);
    mpz_t dm, pow;
    mpz_inits(dm, pow, NULL);
    int64_t dexp = 0;
    int rc = tree_value(task, args, false, -1, a[0], true, &y, err);
    if (!rc)
        rc = tree_tail(task, args, dm, &dexp, err);
    if (!rc && nargs == 6)
        rc = pp_bigint_import(pow, &args[4], err);
    if (!rc && nargs == 6 && !pp_pi_pow5_check(pow, (uint64_t)a[2]))
        rc = pp_error_set(err, PP_EINVAL, "%s: the power given is not 5^%" PRId64,
                          task, a[2]);
    if (!rc && a[3] == 0)
        rc = pp_pi_decimal_left_tail(&y, dm, dexp, (uint64_t)a[0],
                                     (uint64_t)a[2], &part, err);
    if (!rc && a[3] == 1) {
        pp_pi_apply_tail(&y, dm, dexp);
        rc = nargs == 6
                 ? pp_pi_decimal_right_pow(&y, (uint64_t)a[0],
                                           (uint64_t)a[2], pow, &part, err)
                 : pp_pi_decimal_part(&y, (uint64_t)a[0], (uint64_t)a[2], 1,
                                      &part, err);
    }
    mpz_clears(dm, pow, NULL);
    pp_pi_fixed_clear(&y);
    if (!rc)
        rc = push_fixed(out, &part, err);
    pp_pi_fixed_clear(&part);
    return rc;
}

/* The own arguments of a tree task, i64 [n, side(, h)]: n digits, side -1
 * (the root, pi_decimal_cut only), 0 or 1, and the cut h in [1, n). */
static int tree_args(const char *task, const pp_value *v, size_t count,
                     int64_t lo_side, const int64_t **a, pp_error *err)
{
    int rc = want_i64s(v, count, task,
                       count == 4   ? "[n, -1, h, half]"
                       : count == 3 ? "[n, side, h]"
                                    : "[n, side]",
                       err);
    if (rc)
        return rc;
    *a = pp_value_i64s(v);
    if (in_range(task, "", (*a)[0], "digits", count >= 3 ? 2 : 1,
                 (int64_t)PP_PI_MAX_DIGITS, err)
        || in_range(task, "side", (*a)[1], "", lo_side, count == 4 ? -1 : 1,
                    err)
        || (count >= 3 && in_range(task, "h", (*a)[2], "", 1, (*a)[0] - 1,
                                   err)))
        return PP_EINVAL;
    return 0;
}

/* args: y, i64 [bits, ulps], dm, i64 [dexp], i64 [n, -1, h]  (the root)
 *    or the same with i64 [n, -1, h, half]  (one side of the root's cut:
 *       -> that side alone, part, i64 [bits, ulps]); half 1 may have
 *       5^h (pi_pow5's) before its own: y, m, dm, [dexp], 5^h, own
 *    or y0, i64 [bits, ulps], y1, i64 [bits, ulps], i64 [n, side, h]
 *    or y, i64 [bits, ulps], i64 [n, side, h]  (the side alone)
 *   -> left, i64 [bits, ulps], right, i64 [bits, ulps]: the value's n
 *   digits cut at h (left: [0, h), right: [h, n)). */
int pp_pi_decimal_cut_run(const pp_value *args, size_t nargs,
                          pp_values *out, pp_error *err)
{
    if (nargs != 5 && nargs != 3 && nargs != 6)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal_cut: needs y, i64 [bits, ulps], "
                            "dm, i64 [dexp], (5^h,) i64 [n, -1, h(, half)], "
                            "two values and i64 [n, side, h] or one and "
                            "i64 [n, side, h]");
    const int64_t *a;
    /* The root's own [n, -1, h, half]: one side of its cut alone (the
     * right one may come with 5^h: six values). */
    size_t count = nargs == 6 || (nargs == 5 && args[4].type == PP_T_I64
                                  && pp_value_count(&args[4]) == 4)
                       ? 4
                       : 3;
    int rc = tree_args("pi_decimal_cut", &args[nargs - 1], count,
                       nargs == 3 ? 0 : -1, &a, err);
    if (rc)
        return rc;
    if (count == 4)
        return root_half(args, nargs, a, out, err);
    pp_pi_fixed y, left, right;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&left);
    pp_pi_fixed_init(&right);
    rc = tree_value("pi_decimal_cut", args, nargs == 3, a[1], a[0], false,
                    &y, err);
    if (!rc)
        rc = pp_pi_decimal_split(&y, (uint64_t)a[0], (uint64_t)a[2], &left,
                                 &right, err);
    pp_pi_fixed_clear(&y);
    if (!rc)
        rc = push_fixed(out, &left, err);
    pp_pi_fixed_clear(&left);
    if (!rc)
        rc = push_fixed(out, &right, err);
    pp_pi_fixed_clear(&right);
    return rc;
}

/* args: y0, i64 [bits, ulps], y1, i64 [bits, ulps], i64 [n, side]
 *    or y, i64 [bits, ulps], i64 [n, side]  (the side alone)
 *   -> bytes: the n decimal digits of that side, packed
 *   (pp_pi_digits_pack: 4 bytes for 9 digits). */
int pp_pi_decimal_side_run(const pp_value *args, size_t nargs,
                           pp_values *out, pp_error *err)
{
    if (nargs != 5 && nargs != 3)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal_side: needs two values or one, each "
                            "a bigint and i64 [bits, ulps], and i64 "
                            "[n, side]");
    const int64_t *a;
    int rc = tree_args("pi_decimal_side", &args[nargs - 1], 2, 0, &a, err);
    if (rc)
        return rc;
    pp_pi_fixed y;
    pp_pi_fixed_init(&y);
    rc = tree_value("pi_decimal_side", args, nargs == 3, a[1], a[0], false,
                    &y, err);
    if (!rc)
        rc = push_packed("pi_decimal_side", &y, (uint64_t)a[0], out, err);
    pp_pi_fixed_clear(&y);
    return rc;
}

/* args: i64 [k] -> bigint 5^k: the power the right half of the
 * conversion's root cut multiplies by (pi_decimal_cut [n, -1, h, 1]),
 * computed ahead on an engine that has nothing else to do.  k 1 to
 * 10^10 (PP_PI_MAX_DIGITS). */
int pp_pi_pow5_run(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    int64_t k = 0;
    int rc = only_i64(args, nargs, "pi_pow5", "[k]", &k, err);
    if (rc)
        return rc;
    if (in_range("pi_pow5", "k", k, "", 1, (int64_t)PP_PI_MAX_DIGITS, err))
        return PP_EINVAL;
#if ULONG_MAX < UINT64_MAX
    /* GMP's exponent is an unsigned long: 32 bits on armhf. */
    if ((uint64_t)k > ULONG_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "pi_pow5: k %" PRId64 " is past this engine's "
                            "exponents (%lu)",
                            k, ULONG_MAX);
#endif
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 5, (unsigned long)k);
    rc = push_bigints(out, &p, 1, err);
    mpz_clear(p);
    return rc;
}
