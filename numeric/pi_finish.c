/* pi_finish.c - from Q and T of the whole series to the digits:
 *   pi / 10 = 42688 sqrt(10005) Q / T
 * in binary fixed point (a division, a square root and a product, each at
 * the precision needed, not at the size of Q and T), then to decimal. */
#include <math.h>
#include <mpfr.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gmp64.h"
#include "pi.h"

/* Root guard bits: the conversion's cuts wear away about one per level and
 * the error bound grows by one unit per level. */
#define ROOT_GUARD 96

static const double LOG2_10 = 3.321928094887362;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t pp_pi_work_bits(uint64_t digits, unsigned guard)
{
    /* +2 covers the rounding of the double product. */
    return (uint64_t)ceil((double)digits * LOG2_10) + 2 + ROOT_GUARD + guard;
}

uint64_t pp_pi_max_bits(void)
{
    return pp_pi_work_bits(PP_PI_MAX_DIGITS, PP_PI_RETRY_GUARD);
}

/* 42688^2 10005: S's square, above 2^32 (gmp64.h's helpers on armhf). */
#define ROOT_A (42688ull * 42688ull * 10005ull)

/* Precisions below this start the Newton steps from an exact root. */
#define ROOT_START_BITS 2000

/* One Newton step for x = X 2^-f ~ 1/sqrt(a) from f to f2 <= 2 f - 100
 * fractional bits: x' = x + x (1 - a x^2) / 2, with 1 - a x^2 = E 2^-2f
 * exact.  A relative error d becomes -3/2 d^2 - d^3/2 plus the floor's
 * unit: below 2^-(f - 40) it stays below 2^-(f2 - 40). */
static void rsqrt_step(mpz_t X, uint64_t f, uint64_t f2, mpz_t E, mpz_t t)
{
    mpz_mul(E, X, X);
    pp_mpz_mul_u64(E, E, ROOT_A);
    mpz_set_ui(t, 1);
    mpz_mul_2exp(t, t, (mp_bitcnt_t)(2 * f));
    mpz_sub(E, t, E); /* small: about 2^(f + 41) */
    mpz_mul(t, X, E);
    mpz_fdiv_q_2exp(t, t, (mp_bitcnt_t)(3 * f + 1 - f2));
    mpz_mul_2exp(X, X, (mp_bitcnt_t)(f2 - f));
    mpz_add(X, X, t);
}

/* S = sqrt(ROOT_A) 2^k within 2 units, by Newton's iteration for
 * 1/sqrt(ROOT_A), which needs no division and works at each step at twice
 * the last step's precision: about 3 products of half the final size,
 * against a square root of a number of twice the size (mpz_sqrt: at 5e7
 * digits 2.4 s instead of 4.6). */
static void root_newton(mpz_t S, uint64_t k)
{
    /* X 2^-f with f = k + 64 is within 2^-(k + 24) of 1/sqrt(a)
     * relatively, so a X 2^-64 is within 2^(22.1 - 24) < 1 unit of
     * sqrt(a) 2^k, plus the floor's. */
    uint64_t want = k + 64, chain[64];
    int n = 0;
    for (uint64_t f = want; f > ROOT_START_BITS; f = (f + 101) / 2)
        chain[n++] = f;
    uint64_t f = n ? (chain[n - 1] + 101) / 2 : want;
    mpz_t X, E, t;
    mpz_inits(X, E, t, NULL);
    /* X = floor(sqrt(2^2f / a)): within 2^-(f - 23) relatively. */
    mpz_set_ui(E, 1);
    mpz_mul_2exp(E, E, (mp_bitcnt_t)(2 * f));
    pp_mpz_set_u64(t, ROOT_A);
    mpz_tdiv_q(E, E, t);
    mpz_sqrt(X, E);
    while (n > 0) {
        uint64_t f2 = chain[--n];
        rsqrt_step(X, f, f2, E, t);
        f = f2;
    }
    mpz_clears(E, t, NULL);
    pp_mpz_mul_u64(X, X, ROOT_A); /* sqrt(a) = a / sqrt(a) */
    mpz_tdiv_q_2exp(S, X, (mp_bitcnt_t)(f - k));
    mpz_clear(X);
}

void pp_pi_sqrt_part(mpz_t S, uint64_t bits)
{
    root_newton(S, bits + 8);
}

/* MPFR's default exponent range stops near 2^30: Q, T and their products
 * pass it beyond about 1.8e8 digits.  The finish widens it while it works
 * and puts it back (it is MPFR's per-thread state, the caller's).
 * Where long is 32 bits (armhf) the range cannot be widened (its widest is
 * the default), so the operands are also scaled by powers of two (exact,
 * and the roundings are the same) to keep every exponent small. */
typedef struct exp_range {
    mpfr_exp_t emin, emax;
} exp_range;

static exp_range widen_exponents(void)
{
    exp_range r = { mpfr_get_emin(), mpfr_get_emax() };
    mpfr_set_emin(mpfr_get_emin_min());
    mpfr_set_emax(mpfr_get_emax_max());
    return r;
}

static void restore_exponents(exp_range r)
{
    mpfr_set_emin(r.emin);
    mpfr_set_emax(r.emax);
}

/* m 2^ex = Q / T rounded toward zero to bits + 64 bits, by MPFR (Mulders'
 * short division: about as fast as GMP's mpz_tdiv_q, with three quarters
 * of its memory: 10 times the precision instead of 13).
 * With own, Q and T are freed as soon as they are copied, before the
 * division's peak. */
static void quotient(mpz_t m, long *ex, mpz_t Q, mpz_t T, uint64_t bits,
                     bool own)
{
    mpfr_prec_t prec = (mpfr_prec_t)(bits + 64);
    exp_range range = widen_exponents();
    mpfr_t q, t;
    mpfr_init2(q, prec);
    mpfr_init2(t, prec);
    /* q / t = Q / T with t in [1/2, 1): small exponents (see above). */
    mpfr_exp_t s = (mpfr_exp_t)mpz_sizeinbase(T, 2);
    mpfr_set_z_2exp(q, Q, -s, MPFR_RNDZ);
    mpfr_set_z_2exp(t, T, -s, MPFR_RNDZ);
    if (own) {
        mpz_realloc2(Q, 64);
        mpz_realloc2(T, 64);
    }
    mpfr_div(q, q, t, MPFR_RNDZ);
    mpfr_clear(t);
    *ex = (long)mpfr_get_z_2exp(m, q);
    mpfr_clear(q);
    restore_exponents(range);
}

/* y = floor(m 2^ex S / 2^8), S being 42688 sqrt(10005) 2^(bits + 8).
 * Three roundings toward zero leave m 2^ex within 2^-(bits + 61) of Q / T
 * relatively, S is 4.3e6 2^(bits + 8) within 2 (2^-(bits + 29)
 * relatively), and Q / T is the series' value to far better than 2^-bits
 * by pp_pi_terms' margin: y is within 1 unit of pi / 10 2^bits, plus the
 * floor's unit. */
static void product(pp_pi_fixed *y, mpz_t m, long ex, const mpz_t S,
                    uint64_t bits)
{
    mpz_mul(y->v, m, S);
    mpz_realloc2(m, 64);
    /* m has bits + 64 bits and Q / T is about 2^-24: ex is about
     * -(bits + 88) and the shift positive. */
    mpz_tdiv_q_2exp(y->v, y->v, (mp_bitcnt_t)(8 - ex));
    y->bits = bits;
    y->ulps = 2;
}

static void divide(pp_pi_fixed *y, mpz_t Q, mpz_t T, const mpz_t S,
                   uint64_t bits, bool own)
{
    mpz_t m;
    long ex;
    mpz_init(m);
    quotient(m, &ex, Q, T, bits, own);
    product(y, m, ex, S, bits);
    mpz_clear(m);
}

void pp_pi_divide(pp_pi_fixed *y, const mpz_t Q, const mpz_t T,
                  const mpz_t S, uint64_t bits)
{
    divide(y, (mpz_ptr)Q, (mpz_ptr)T, S, bits, false);
}

void pp_pi_divide_own(pp_pi_fixed *y, mpz_t Q, mpz_t T, const mpz_t S,
                      uint64_t bits)
{
    divide(y, Q, T, S, bits, true);
}

void pp_pi_divide_fused_own(pp_pi_fixed *y, mpz_t Q, mpz_t T,
                            const mpz_t S, uint64_t bits)
{
    mpfr_prec_t prec = (mpfr_prec_t)(bits + 64);
    exp_range range = widen_exponents();
    /* a / t = S Q / T 2^(sT - sN), each in [1/2, 1): small exponents
     * (see widen_exponents).  Three roundings toward zero at bits + 64
     * bits leave the quotient within 2^-(bits + 62) of S Q / T
     * relatively: y = S Q / T / 2^8, below 2^bits, is off by less than
     * a unit, plus the floor's, and S's own error is product()'s. */
    mpfr_t a, t;
    mpfr_init2(a, prec);
    mpfr_init2(t, prec);
    mpz_mul(Q, Q, S);
    int64_t sN = (int64_t)mpz_sizeinbase(Q, 2);
    int64_t sT = (int64_t)mpz_sizeinbase(T, 2);
    mpfr_set_z_2exp(a, Q, -(mpfr_exp_t)sN, MPFR_RNDZ);
    mpz_realloc2(Q, 64);
    mpfr_set_z_2exp(t, T, -(mpfr_exp_t)sT, MPFR_RNDZ);
    mpz_realloc2(T, 64);
    mpfr_div(a, a, t, MPFR_RNDZ);
    mpfr_clear(t);
    int64_t ex = (int64_t)mpfr_get_z_2exp(y->v, a);
    mpfr_clear(a);
    restore_exponents(range);
    /* y = floor(a 2^(sN - sT - 8)): a has bits + 64 bits and S Q / T is
     * about 2^(bits + 8 - 1.7): the shift is down, by about 64 bits. */
    int64_t shift = ex + sN - sT - 8;
    if (shift < 0)
        mpz_fdiv_q_2exp(y->v, y->v, (mp_bitcnt_t)-shift);
    else
        mpz_mul_2exp(y->v, y->v, (mp_bitcnt_t)shift);
    y->bits = bits;
    y->ulps = 2;
}

/* One try at `guard` extra bits: the division while only Q and T are
 * alive, then the root, then the conversion, so that the peaks of the
 * three do not add up. */
static int finish_once(mpz_t Q, mpz_t T, bool own, uint64_t digits,
                       unsigned guard, char *out, pp_pi_times *times,
                       pp_error *err)
{
    uint64_t bits = pp_pi_work_bits(digits, guard);
    mpz_t m;
    long ex;
    pp_pi_fixed y;
    mpz_init(m);
    pp_pi_fixed_init(&y);
    double t0 = now();
    quotient(m, &ex, Q, T, bits, own);
    pp_pi_give_back();
    double t1 = now();
    /* The root after the division, not before: S would lift the
     * division's peak, the run's highest. */
    mpz_t S;
    mpz_init(S);
    pp_pi_sqrt_part(S, bits);
    product(&y, m, ex, S, bits);
    mpz_clears(S, m, NULL);
    pp_pi_give_back();
    double t2 = now();
    int rc = pp_pi_to_decimal_own(&y, digits, out, err);
    double t3 = now();
    pp_pi_fixed_clear(&y);
    if (times) {
        times->division += t1 - t0;
        times->sqrt += t2 - t1;
        times->conversion += t3 - t2;
    }
    return rc;
}

static int check_args(const mpz_t Q, const mpz_t T, uint64_t digits,
                      pp_error *err)
{
    if (digits < 1 || digits > PP_PI_MAX_DIGITS)
        return pp_error_set(err, PP_EINVAL,
                            "pi: %llu digits is outside 1 to %llu",
                            (unsigned long long)digits,
                            (unsigned long long)PP_PI_MAX_DIGITS);
    if (mpz_sgn(Q) <= 0 || mpz_sgn(T) <= 0)
        return pp_error_set(err, PP_EINVAL,
                            "pi: Q and T of the whole series are positive");
    return 0;
}

int pp_pi_finish_own(mpz_t Q, mpz_t T, uint64_t digits, unsigned guard,
                     char *out, pp_pi_times *times, pp_error *err)
{
    int rc = check_args(Q, T, digits, err);
    if (rc)
        return rc;
    rc = finish_once(Q, T, true, digits, guard, out, times, err);
    if (rc)
        return rc;
    out[digits] = '\0';
    return 0;
}

int pp_pi_finish_timed(const mpz_t Q, const mpz_t T, uint64_t digits,
                       char *out, pp_pi_times *times, pp_error *err)
{
    int rc = check_args(Q, T, digits, err);
    for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
        rc = finish_once((mpz_ptr)Q, (mpz_ptr)T, false, digits,
                         attempt ? PP_PI_RETRY_GUARD : 0, out, times, err);
        if (rc != PP_EOVERFLOW)
            break;
    }
    if (rc)
        return rc;
    out[digits] = '\0';
    return 0;
}

int pp_pi_finish(const mpz_t Q, const mpz_t T, uint64_t digits, char *out,
                 pp_error *err)
{
    return pp_pi_finish_timed(Q, T, digits, out, NULL, err);
}

int pp_pi_tail_ratio(mpz_t dm, int64_t *dexp, const mpz_t P_L,
                     const mpz_t T_L, const mpz_t Q_R, const mpz_t T_R,
                     uint64_t bits)
{
    if (mpz_sgn(T_R) == 0) {
        mpz_set_ui(dm, 0);
        *dexp = 0;
        return 0;
    }
    /* |b| < 2^e: each factor x has 2^(size - 1) <= |x| < 2^size. */
    long e = (long)mpz_sizeinbase(P_L, 2) + (long)mpz_sizeinbase(T_R, 2)
             - (long)mpz_sizeinbase(T_L, 2) - (long)mpz_sizeinbase(Q_R, 2)
             + 2;
    if (e > -8)
        return -2; /* not a share of the series: see pi.h */
    /* Eight roundings at w bits leave d within 8 2^-w relatively, and
     * |d| < 2^(e + 1): with w = bits + e + 40, y d is off by less than
     * 2^(bits + e + 1 + 3 - w) = 2^-36 for y < 2^bits.  Operands are
     * rounded to w bits before their products: only w bits matter. */
    long w = (long)bits + e + 40;
    if (w < 64)
        w = 64;
    exp_range range = widen_exponents();
    mpfr_t x, y, t;
    mpfr_inits2((mpfr_prec_t)w, x, y, t, (mpfr_ptr)0);
    /* P_L and T_L scaled by 2^-s1, T_R and Q_R by 2^-s2: d is the same
     * and the exponents small (see widen_exponents). */
    mpfr_exp_t s1 = (mpfr_exp_t)mpz_sizeinbase(T_L, 2);
    mpfr_exp_t s2 = (mpfr_exp_t)mpz_sizeinbase(Q_R, 2);
    mpfr_set_z_2exp(x, P_L, -s1, MPFR_RNDN);
    mpfr_set_z_2exp(t, T_R, -s2, MPFR_RNDN);
    mpfr_mul(x, x, t, MPFR_RNDN); /* P_L T_R */
    mpfr_set_z_2exp(y, T_L, -s1, MPFR_RNDN);
    mpfr_set_z_2exp(t, Q_R, -s2, MPFR_RNDN);
    mpfr_mul(y, y, t, MPFR_RNDN); /* T_L Q_R */
    mpfr_clear(t);
    /* d = -P_L T_R / (T_L Q_R + P_L T_R): one division, not two. */
    mpfr_add(y, y, x, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_neg(x, x, MPFR_RNDN);
    *dexp = (int64_t)mpfr_get_z_2exp(dm, x);
    mpfr_clears(x, y, (mpfr_ptr)0);
    restore_exponents(range);
    return 0;
}

void pp_pi_tail_left(mpz_t am, int64_t *aexp, const mpz_t P_L,
                     const mpz_t T_L, uint64_t bits)
{
    /* a < 2^ea; the share's precision is at most bits + ea + eb + 40,
     * eb = size(T_R) - size(Q_R) + 1 the right range's, below 23 for
     * |T_R / Q_R| < 2^21 (pi.h): 64 covers it. */
    long ea = (long)mpz_sizeinbase(P_L, 2) - (long)mpz_sizeinbase(T_L, 2)
              + 1;
    long w = (long)bits + ea + 64;
    if (w < 64)
        w = 64;
    exp_range range = widen_exponents();
    mpfr_t a, t;
    mpfr_init2(a, (mpfr_prec_t)w);
    mpfr_init2(t, (mpfr_prec_t)w);
    /* Both scaled by 2^-s: a is the same, the exponents small. */
    mpfr_exp_t s = (mpfr_exp_t)mpz_sizeinbase(T_L, 2);
    mpfr_set_z_2exp(a, P_L, -s, MPFR_RNDN);
    mpfr_set_z_2exp(t, T_L, -s, MPFR_RNDN);
    mpfr_div(a, a, t, MPFR_RNDN);
    mpfr_clear(t);
    *aexp = (int64_t)mpfr_get_z_2exp(am, a);
    mpfr_clear(a);
    restore_exponents(range);
}

/* |x| = |a T_R / Q_R| < 2^e. */
static long share_log2(const mpz_t am, int64_t aexp, const mpz_t Q_R,
                       const mpz_t T_R)
{
    return (long)mpz_sizeinbase(am, 2) + (long)aexp
           + (long)mpz_sizeinbase(T_R, 2) - (long)mpz_sizeinbase(Q_R, 2) + 1;
}

uint64_t pp_pi_tail_right_bits(const mpz_t am, int64_t aexp,
                               const mpz_t Q_R, const mpz_t T_R,
                               uint64_t bits)
{
    /* Seven roundings at w bits or more (a's at the left range's
     * precision among them; Q_R + a T_R is Q_R's within 2^-7, |x| being
     * below 2^-8) leave d within 8 2^-w relatively, and |d| < 2^(e + 1):
     * with w = bits + e + 40, y d is off by less than 2^(bits + e + 1 + 3
     * - w) = 2^-36 for y < 2^bits, as pp_pi_tail_ratio's. */
    long w = (long)bits + share_log2(am, aexp, Q_R, T_R) + 40;
    return w < 64 ? 64 : (uint64_t)w;
}

int pp_pi_tail_right(mpz_t dm, int64_t *dexp, const mpz_t am, int64_t aexp,
                     const mpz_t Q_R, const mpz_t T_R, uint64_t bits)
{
    if (mpz_sgn(T_R) == 0) {
        mpz_set_ui(dm, 0);
        *dexp = 0;
        return 0;
    }
    long e = share_log2(am, aexp, Q_R, T_R);
    if (e > -8)
        return -2; /* not a share of the series: see pi.h */
    long w = (long)pp_pi_tail_right_bits(am, aexp, Q_R, T_R, bits);
    if ((long)mpz_sizeinbase(am, 2) < w)
        return -1;
    exp_range range = widen_exponents();
    mpfr_t x, t;
    mpfr_inits2((mpfr_prec_t)w, x, t, (mpfr_ptr)0);
    /* T_R and Q_R scaled by 2^-s: d is the same and the exponents small
     * (see widen_exponents). */
    mpfr_exp_t s = (mpfr_exp_t)mpz_sizeinbase(Q_R, 2);
    mpfr_set_z_2exp(x, T_R, -s, MPFR_RNDN);
    mpfr_set_z_2exp(t, am, (mpfr_exp_t)aexp, MPFR_RNDN);
    mpfr_mul(x, x, t, MPFR_RNDN); /* a T_R */
    /* d = -a T_R / (Q_R + a T_R): one division. */
    mpfr_set_z_2exp(t, Q_R, -s, MPFR_RNDN);
    mpfr_add(t, t, x, MPFR_RNDN);
    mpfr_div(x, x, t, MPFR_RNDN);
    mpfr_neg(x, x, MPFR_RNDN);
    *dexp = (int64_t)mpfr_get_z_2exp(dm, x);
    mpfr_clears(x, t, (mpfr_ptr)0);
    restore_exponents(range);
    return 0;
}

void pp_pi_apply_tail(pp_pi_fixed *y, const mpz_t dm, int64_t dexp)
{
    if (mpz_sgn(dm) == 0)
        return;
    /* |d| < 2^e; y's bits below 2^s change y d by less than 2^(s + e)
     * <= 1/4: they are left out of the product, which then has about
     * as many bits as d. */
    int64_t e = (int64_t)mpz_sizeinbase(dm, 2) + dexp;
    int64_t s = -e - 2;
    if (s < 0)
        s = 0;
    if ((uint64_t)s > y->bits)
        s = (int64_t)y->bits;
    mpz_t t;
    mpz_init(t);
    mpz_tdiv_q_2exp(t, y->v, (mp_bitcnt_t)s);
    mpz_mul(t, t, dm);
    int64_t shift = dexp + s;
    if (shift < 0)
        mpz_fdiv_q_2exp(t, t, (mp_bitcnt_t)-shift);
    else
        mpz_mul_2exp(t, t, (mp_bitcnt_t)shift);
    /* Off by under 1 (the floor) + 1/4 (the bits left out) + 2^-36 (d's
     * error) + 2 |d| (y's own error, times d): 2 more units. */
    mpz_add(y->v, y->v, t);
    y->ulps += 2;
    mpz_clear(t);
}
