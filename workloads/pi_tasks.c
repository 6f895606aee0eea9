/* pi_tasks.c - the digits of pi as tasks an engine runs: leaves of the
 * series, merges of two ranges, the square root, the division and one half
 * of the conversion to decimal.  Big integers travel as PP_T_BIGINT values
 * (core/bigint.h); the arithmetic is workloads/pi.h's. */
#include <inttypes.h>
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

/* args: i64 [bits]  ->  S = 42688 sqrt(10005) 2^(bits+8) */
int pp_pi_sqrt_run(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    if (nargs != 1)
        return pp_error_set(err, PP_EINVAL, "pi_sqrt: needs i64 [bits]");
    int rc = want_i64s(&args[0], 1, "pi_sqrt", "[bits]", err);
    if (rc)
        return rc;
    int64_t bits = pp_value_i64s(&args[0])[0];
    if (bits < 1 || (uint64_t)bits > pp_pi_work_bits(PP_PI_MAX_DIGITS, 4))
        return pp_error_set(err, PP_EINVAL, "pi_sqrt: %" PRId64
                                            " bits is out of range",
                            bits);
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

static int import_fixed(pp_pi_fixed *y, const pp_value *v, const char *task,
                        pp_error *err)
{
    int rc = want_i64s(&v[1], 2, task, "[bits, ulps]", err);
    if (!rc)
        rc = pp_bigint_import(y->v, &v[0], err);
    if (!rc) {
        const int64_t *m = pp_value_i64s(&v[1]);
        if (m[0] < 1 || m[1] < 0)
            return pp_error_set(err, PP_EINVAL, "%s: bad fixed point", task);
        y->bits = (uint64_t)m[0];
        y->ulps = (uint64_t)m[1];
    }
    return rc;
}

/* args: P, Q, T (of the whole series; P unused), S, i64 [bits]
 *   ->  y = pi / 10 as a fixed-point bigint, i64 [bits, ulps] */
int pp_pi_divide_run(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    if (nargs != 5)
        return pp_error_set(err, PP_EINVAL,
                            "pi_divide: needs P, Q, T, S and i64 [bits]");
    int rc = want_i64s(&args[4], 1, "pi_divide", "[bits]", err);
    if (rc)
        return rc;
    /* The bound pi_sqrt has: a negative or huge count would ask MPFR for
     * that precision, and GMP aborts the engine when it cannot have it. */
    int64_t bits = pp_value_i64s(&args[4])[0];
    if (bits < 1 || (uint64_t)bits > pp_pi_work_bits(PP_PI_MAX_DIGITS, 4))
        return pp_error_set(err, PP_EINVAL,
                            "pi_divide: %" PRId64 " bits is out of range",
                            bits);
    mpz_t z[3]; /* Q, T, S */
    for (int i = 0; i < 3; i++)
        mpz_init(z[i]);
    rc = import_all(z, args + 1, 3, "pi_divide", err);
    pp_pi_fixed y;
    pp_pi_fixed_init(&y);
    if (!rc) {
        /* The _own form frees Q and T as it goes: a lower peak. */
        pp_pi_divide_own(&y, z[0], z[1], z[2], (uint64_t)bits);
        rc = push_fixed(out, &y, err);
    }
    pp_pi_fixed_clear(&y);
    for (int i = 0; i < 3; i++)
        mpz_clear(z[i]);
    return rc;
}

/* args: y, i64 [bits, ulps], i64 [n, half]  ->  bytes: the decimal
 * digits of y, all n of them (half -1) or one half of them (0: the digits
 * before pp_pi_decimal_split_point(n), 1: the digits after), so that two
 * engines convert at once. */
int pp_pi_decimal_run(const pp_value *args, size_t nargs, pp_values *out,
                      pp_error *err)
{
    if (nargs != 3)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal: needs y, i64 [bits, ulps] and i64 "
                            "[n, half]");
    int rc = want_i64s(&args[2], 2, "pi_decimal", "[n, half]", err);
    if (rc)
        return rc;
    int64_t n = pp_value_i64s(&args[2])[0], half = pp_value_i64s(&args[2])[1];
    if (n < 1 || (uint64_t)n > PP_PI_MAX_DIGITS || half < -1 || half > 1)
        return pp_error_set(err, PP_EINVAL,
                            "pi_decimal: n %" PRId64 ", half %" PRId64
                            " out of range",
                            n, half);
    pp_pi_fixed y, left, right;
    pp_pi_fixed_init(&y);
    pp_pi_fixed_init(&left);
    pp_pi_fixed_init(&right);
    rc = import_fixed(&y, args, "pi_decimal", err);
    uint64_t h = half < 0 ? (uint64_t)n : pp_pi_decimal_split_point((uint64_t)n);
    const pp_pi_fixed *part = &y;
    uint64_t count = (uint64_t)n;
    if (!rc && half >= 0) {
        rc = pp_pi_decimal_split(&y, (uint64_t)n, h, &left, &right, err);
        part = half == 0 ? &left : &right;
        count = half == 0 ? h : (uint64_t)n - h;
    }
    char *text = rc ? NULL : malloc(count + 1);
    if (!rc && !text)
        rc = pp_error_set(err, PP_ENOMEM, "pi_decimal: out of memory");
    if (!rc)
        rc = pp_pi_to_decimal(part, count, text, err);
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
    pp_pi_fixed_clear(&y);
    pp_pi_fixed_clear(&left);
    pp_pi_fixed_clear(&right);
    return rc;
}
