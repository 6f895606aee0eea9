/* pi_decimal.c - a binary fraction to decimal digits by a scaled remainder
 * tree: the digits of y are those of y for the first h places followed by
 * those of frac(y 10^h), so one product per cut halves the work, and the
 * pieces never need a division.  Each cut checks that the error bound of y
 * cannot carry across it (a long run of 9s or 0s there): the digits are
 * those of the true value or the call fails, never a guess. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pi.h"

/* Pieces at most this many digits long go to mpz_get_str directly. */
#define BASE_DIGITS 4096

/* Guard bits each piece keeps beyond its digits. */
#define PIECE_GUARD 64

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
 * 2^(level-1), so that one table of powers 10^(base 2^i) serves all. */
typedef struct tree {
    uint64_t base;
    int levels;
    mpz_t *pow; /* pow[i] = 10^(base 2^i), i < levels */
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

/* The cut with 10^h given (pow) and its bit length. */
static int cut(const pp_pi_fixed *y, uint64_t n, uint64_t h, const mpz_t pow,
               pp_pi_fixed *left, pp_pi_fixed *right, pp_error *err)
{
    uint64_t s = spare_bits(y, n, h);
    mpz_tdiv_q_2exp(left->v, y->v, s);
    left->bits = y->bits - s;
    /* A shift by 64 or more is undefined in C: y->ulps (a 64-bit count)
     * is then simply gone. */
    left->ulps = s ? (s < 64 ? y->ulps >> s : 0) + 2 : y->ulps;

    /* |y.v 10^h - y 10^h 2^bits| <= ulps 10^h < ulps 2^sr: after dropping
     * sr low bits the fraction is within ulps + 1, and it did not wrap if
     * its top part keeps ulps away from both ends. */
    uint64_t sr = mpz_sizeinbase(pow, 2);
    if (sr >= y->bits)
        return pp_error_set(err, PP_EOVERFLOW,
                            "pi: %llu bits are too few for %llu digits",
                            (unsigned long long)y->bits,
                            (unsigned long long)n);
    mpz_mul(right->v, y->v, pow);
    mpz_tdiv_q_2exp(right->v, right->v, sr);
    right->bits = y->bits - sr;
    mpz_tdiv_r_2exp(right->v, right->v, right->bits);
    right->ulps = y->ulps + 1;
    if (mpz_cmp_ui(right->v, y->ulps) < 0
        || mpz_sizeinbase(right->v, 2) >= right->bits) {
        /* Only the rare fraction at the very ends, or in the top half,
         * pays for the exact test. */
        mpz_t top;
        mpz_init(top);
        mpz_set_ui(top, 1);
        mpz_mul_2exp(top, top, right->bits);
        mpz_sub_ui(top, top, 1 + y->ulps);
        int ok = mpz_cmp_ui(right->v, y->ulps) >= 0
                 && mpz_cmp(right->v, top) <= 0;
        mpz_clear(top);
        if (!ok)
            return pp_error_set(err, PP_EOVERFLOW,
                                "pi: digit %llu of the piece is ambiguous "
                                "(a run of 9s or 0s within the error)",
                                (unsigned long long)h);
    }
    return 0;
}

/* The last n <= base digits of a piece: floor(y 10^n), checked like a
 * cut, then written with leading zeros. */
static int leaf_digits(const pp_pi_fixed *y, uint64_t n, const mpz_t pow,
                       char *out, pp_error *err)
{
    mpz_t v, top;
    mpz_inits(v, top, NULL);
    int rc = 0;
    uint64_t sr = mpz_sizeinbase(pow, 2);
    if (sr >= y->bits) {
        rc = pp_error_set(err, PP_EOVERFLOW,
                          "pi: %llu bits are too few for %llu digits",
                          (unsigned long long)y->bits, (unsigned long long)n);
        goto done;
    }
    mpz_mul(v, y->v, pow);
    /* The fraction left over must be clear of both ends by the error. */
    mpz_tdiv_q_2exp(top, v, sr);
    mpz_tdiv_r_2exp(top, top, y->bits - sr);
    if (mpz_cmp_ui(top, y->ulps) < 0) {
        rc = PP_EOVERFLOW;
    } else {
        mpz_t end;
        mpz_init(end);
        mpz_set_ui(end, 1);
        mpz_mul_2exp(end, end, y->bits - sr);
        mpz_sub_ui(end, end, 1 + y->ulps);
        if (mpz_cmp(top, end) > 0)
            rc = PP_EOVERFLOW;
        mpz_clear(end);
    }
    if (rc) {
        rc = pp_error_set(err, PP_EOVERFLOW,
                          "pi: the last digit of a piece is ambiguous (a "
                          "run of 9s or 0s within the error)");
        goto done;
    }
    mpz_tdiv_q_2exp(v, v, y->bits);
    size_t len = mpz_sizeinbase(v, 10); /* exact or one too big */
    char *buf = malloc(len + 2);
    if (!buf) {
        rc = pp_error_set(err, PP_ENOMEM, "pi: out of memory");
        goto done;
    }
    mpz_get_str(buf, 10, v);
    len = strlen(buf);
    if (mpz_sgn(v) == 0)
        len = 0;
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

static int convert(const tree *t, const pp_pi_fixed *y, uint64_t n,
                   int level, char *out, pp_error *err)
{
    while (level > 0 && n <= t->base << (level - 1))
        level--;
    if (level == 0) {
        if (n == t->base)
            return leaf_digits(y, n, t->pow[0], out, err);
        mpz_t pow;
        mpz_init(pow);
        mpz_ui_pow_ui(pow, 10, n);
        int rc = leaf_digits(y, n, pow, out, err);
        mpz_clear(pow);
        return rc;
    }
    uint64_t h = t->base << (level - 1);
    pp_pi_fixed left, right;
    pp_pi_fixed_init(&left);
    pp_pi_fixed_init(&right);
    int rc = cut(y, n, h, t->pow[level - 1], &left, &right, err);
    if (rc == 0)
        rc = convert(t, &left, h, level - 1, out, err);
    pp_pi_fixed_clear(&left);
    if (rc == 0)
        rc = convert(t, &right, n - h, level - 1, out + h, err);
    pp_pi_fixed_clear(&right);
    return rc;
}

int pp_pi_to_decimal(const pp_pi_fixed *y, uint64_t n, char *out,
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
    mpz_ui_pow_ui(t.pow[0], 10, t.base);
    for (int i = 1; i < t.levels; i++)
        mpz_mul(t.pow[i], t.pow[i - 1], t.pow[i - 1]);
    int rc = convert(&t, y, n, t.levels, out, err);
    for (int i = 0; i < npow; i++)
        mpz_clear(t.pow[i]);
    free(t.pow);
    return rc;
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
    mpz_ui_pow_ui(pow, 10, h);
    int rc = cut(y, n, h, pow, left, right, err);
    mpz_clear(pow);
    return rc;
}
