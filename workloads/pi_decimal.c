/* pi_decimal.c - a binary fraction to decimal digits by a scaled remainder
 * tree: the digits of y are those of y for the first h places followed by
 * those of frac(y 10^h), so one product per cut halves the work, and the
 * pieces never need a division.  Each cut checks that the error bound of y
 * cannot carry across it (a long run of 9s or 0s there): the digits are
 * those of the true value or the call fails, never a guess. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pi.h"

/* Pieces at most this many digits long go to mpz_get_str directly. */
#define BASE_DIGITS 4096

static const double LOG2_10 = 3.321928094887362;

void pp_pi_fixed_init(pp_pi_fixed *f)
{
    mpz_init(f->v);
    f->bits = 0;
    f->ulps = 0;
}

void pp_pi_fixed_clear(pp_pi_fixed *f)
{
    mpz_clear(f->v);
    f->bits = 0;
    f->ulps = 0;
}

/* The cut tree: pieces of up to base 2^level digits, cut at base
 * 2^(level-1), so that one table of powers 5^(base 2^i) serves all. */
typedef struct tree {
    uint64_t base;
    int levels;
    mpz_t *pow; /* pow[i] = 5^(base 2^i), i < levels: see times_ten_to */
} tree;

static int tree_levels(uint64_t n, uint64_t *base)
{
    int k = 0;
    while ((n + ((uint64_t)1 << k) - 1) >> k > BASE_DIGITS)
        k++;
    *base = (n + ((uint64_t)1 << k) - 1) >> k;
    return k;
}

uint64_t pp_pi_decimal_split_point(uint64_t n)
{
    uint64_t base;
    int k = tree_levels(n, &base);
    if (k == 0)
        return n / 2; /* small: any cut works */
    return base << (k - 1);
}

/* Low bits of y that the first h of its n digits do not need. */
static uint64_t spare_bits(const pp_pi_fixed *y, uint64_t n, uint64_t h)
{
    /* Drops (n - h) log2(10) bits, rounded down and one less, so the left
     * piece keeps at least the guard bits y had. */
    double drop = floor((double)(n - h) * LOG2_10) - 1;
    if (drop <= 0)
        return 0;
    uint64_t s = (uint64_t)drop;
    return s < y->bits ? s : 0;
}

/* True when f, a fraction of `bits` bits known within ulps units, is at
 * least ulps away from both 0 and 1: a floor above it cannot be off. */
static bool clear_of_ends(const mpz_t f, uint64_t bits, uint64_t ulps)
{
    if (mpz_cmp_ui(f, ulps) < 0)
        return false;
    if (mpz_sizeinbase(f, 2) < bits)
        return true; /* below one half: the common case, no big number */
    mpz_t end;
    mpz_init(end);
    mpz_set_ui(end, 1);
    mpz_mul_2exp(end, end, bits);
    mpz_sub_ui(end, end, 1 + ulps);
    bool ok = mpz_cmp(f, end) <= 0;
    mpz_clear(end);
    return ok;
}

/* The fraction frac(y 10^k) at y->bits - k bits, times 5^k:
 *   frac(y 10^k) = frac(frac(y 2^k) 5^k)
 * since 5^k is a whole number, and frac(y 2^k) is y without its top k
 * bits: a product smaller than y 10^k by k bits on each side.  Sets prod to
 * it, still to be reduced modulo 2^(y->bits - k). */
static void times_ten_to(mpz_t prod, const pp_pi_fixed *y, uint64_t k,
                         const mpz_t pow5)
{
    mpz_tdiv_r_2exp(prod, y->v, y->bits - k);
    mpz_mul(prod, prod, pow5);
    mpz_tdiv_r_2exp(prod, prod, y->bits - k);
}

/* The cut with 5^h given (pow5). */
static int cut(const pp_pi_fixed *y, uint64_t n, uint64_t h,
               const mpz_t pow5, pp_pi_fixed *left, pp_pi_fixed *right,
               pp_error *err)
{
    uint64_t s = spare_bits(y, n, h);
    mpz_tdiv_q_2exp(left->v, y->v, s);
    left->bits = y->bits - s;
    /* A shift by 64 or more is undefined in C: y->ulps (a 64-bit count)
     * is then simply gone. */
    left->ulps = s ? (s < 64 ? y->ulps >> s : 0) + 2 : y->ulps;

    /* The fraction of y 10^h is within ulps 5^h < ulps 2^sr units of
     * 2^(bits - h): after dropping sr low bits it is within ulps + 1, and
     * it did not wrap if its top part keeps ulps away from both ends. */
    uint64_t sr = mpz_sizeinbase(pow5, 2);
    if (h + sr >= y->bits)
        return pp_error_set(err, PP_EOVERFLOW,
                            "pi: %llu bits are too few for %llu digits",
                            (unsigned long long)y->bits,
                            (unsigned long long)n);
    mpz_t prod;
    mpz_init(prod);
    times_ten_to(prod, y, h, pow5);
    /* A fresh number: right gets only its own bits, not the capacity of
     * the whole product. */
    mpz_tdiv_q_2exp(right->v, prod, sr);
    mpz_clear(prod);
    right->bits = y->bits - h - sr;
    right->ulps = y->ulps + 1;
    if (!clear_of_ends(right->v, right->bits, y->ulps))
        return pp_error_set(err, PP_EOVERFLOW,
                            "pi: digit %llu of the piece is ambiguous (a "
                            "run of 9s or 0s within the error)",
                            (unsigned long long)h);
    return 0;
}

/* The last n <= base digits of a piece: floor(y 10^n), checked like a
 * cut, then written with leading zeros. */
static int leaf_digits(const pp_pi_fixed *y, uint64_t n, const mpz_t pow5,
                       char *out, pp_error *err)
{
    uint64_t sr = mpz_sizeinbase(pow5, 2);
    if (n + sr >= y->bits)
        return pp_error_set(err, PP_EOVERFLOW,
                            "pi: %llu bits are too few for %llu digits",
                            (unsigned long long)y->bits,
                            (unsigned long long)n);
    /* y 10^n = y 5^n 2^n: its whole part is y 5^n without its low
     * bits - n bits, its fraction those bits. */
    mpz_t v, top;
    mpz_inits(v, top, NULL);
    mpz_mul(v, y->v, pow5);
    mpz_tdiv_r_2exp(top, v, y->bits - n);
    mpz_tdiv_q_2exp(top, top, sr);
    int rc = 0;
    if (!clear_of_ends(top, y->bits - n - sr, y->ulps)) {
        rc = pp_error_set(err, PP_EOVERFLOW,
                          "pi: the last digit of a piece is ambiguous (a "
                          "run of 9s or 0s within the error)");
        goto done;
    }
    mpz_tdiv_q_2exp(v, v, y->bits - n);
    size_t len = mpz_sizeinbase(v, 10); /* exact or one too big */
    char *buf = malloc(len + 2);
    if (!buf) {
        rc = pp_error_set(err, PP_ENOMEM, "pi: out of memory");
        goto done;
    }
    mpz_get_str(buf, 10, v);
    len = mpz_sgn(v) ? strlen(buf) : 0;
    if (len > n) {
        free(buf);
        rc = pp_error_set(err, PP_EOVERFLOW, "pi: a piece is out of range");
        goto done;
    }
    memset(out, '0', n - len);
    memcpy(out + n - len, buf, len);
    free(buf);
done:
    mpz_clears(v, top, NULL);
    return rc;
}

/* Converts y's first n digits; with spend, y's number is freed as soon
 * as it is cut, so that a piece and its halves are not all kept. */
static int convert(tree *t, pp_pi_fixed *y, bool spend, uint64_t n,
                   int level, char *out, pp_error *err)
{
    while (level > 0 && n <= t->base << (level - 1))
        level--;
    if (level == 0) {
        if (n == t->base)
            return leaf_digits(y, n, t->pow[0], out, err);
        mpz_t pow;
        mpz_init(pow);
        mpz_ui_pow_ui(pow, 5, n);
        int rc = leaf_digits(y, n, pow, out, err);
        mpz_clear(pow);
        return rc;
    }
    uint64_t h = t->base << (level - 1);
    pp_pi_fixed left, right;
    pp_pi_fixed_init(&left);
    pp_pi_fixed_init(&right);
    int rc = cut(y, n, h, t->pow[level - 1], &left, &right, err);
    if (spend)
        mpz_realloc2(y->v, 64);
    /* The top cut is the only one at its level; pow[0] also serves the
     * leaves. */
    if (level == t->levels && level > 1)
        mpz_realloc2(t->pow[level - 1], 64);
    if (rc == 0)
        rc = convert(t, &left, true, h, level - 1, out, err);
    pp_pi_fixed_clear(&left);
    if (rc == 0)
        rc = convert(t, &right, true, n - h, level - 1, out + h, err);
    pp_pi_fixed_clear(&right);
    return rc;
}

static int to_decimal(pp_pi_fixed *y, bool spend, uint64_t n, char *out,
                      pp_error *err)
{
    if (n == 0)
        return 0;
    tree t;
    t.levels = tree_levels(n, &t.base);
    int npow = t.levels ? t.levels : 1;
    t.pow = malloc((size_t)npow * sizeof *t.pow);
    if (!t.pow)
        return pp_error_set(err, PP_ENOMEM, "pi: out of memory");
    for (int i = 0; i < npow; i++)
        mpz_init(t.pow[i]);
    mpz_ui_pow_ui(t.pow[0], 5, t.base);
    for (int i = 1; i < t.levels; i++)
        mpz_mul(t.pow[i], t.pow[i - 1], t.pow[i - 1]);
    int rc = convert(&t, y, spend, n, t.levels, out, err);
    for (int i = 0; i < npow; i++)
        mpz_clear(t.pow[i]);
    free(t.pow);
    return rc;
}

int pp_pi_to_decimal(const pp_pi_fixed *y, uint64_t n, char *out,
                     pp_error *err)
{
    /* Not spent: the cast only lets convert share one signature. */
    return to_decimal((pp_pi_fixed *)y, false, n, out, err);
}

int pp_pi_to_decimal_own(pp_pi_fixed *y, uint64_t n, char *out,
                         pp_error *err)
{
    return to_decimal(y, true, n, out, err);
}

int pp_pi_decimal_split(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                        pp_pi_fixed *left, pp_pi_fixed *right,
                        pp_error *err)
{
    if (h == 0 || h >= n)
        return pp_error_set(err, PP_EINVAL,
                            "pi: cannot cut %llu digits at %llu",
                            (unsigned long long)n, (unsigned long long)h);
    mpz_t pow;
    mpz_init(pow);
    mpz_ui_pow_ui(pow, 5, h);
    int rc = cut(y, n, h, pow, left, right, err);
    mpz_clear(pow);
    return rc;
}
