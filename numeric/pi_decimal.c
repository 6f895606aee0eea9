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

uint64_t pp_pi_decimal_halves_point(uint64_t n)
{
    /* The right piece costs more than its digits: 5^h and the product by
     * it (the left piece's cut is a shift) and, in a cluster's finish,
     * y d (pp_pi_apply_tail), about a third of the whole conversion at
     * 1e7 to 5e7 digits and a growing share.  CPU time of the two
     * pi_decimal_tail tasks, best of 3: at 1e7 digits 0.42 and 0.49 s
     * cut at 0.6 n, 0.49 and 0.48 s at 0.63 n, 0.56 and 0.42 s at
     * 0.69 n; at 5e7, 3.15 and 3.63 s at 0.6 n, 3.36 and 3.57 s at
     * 0.65 n.  The conversion's cost per digit goes by steps (the
     * sizes of its products cross GMP's thresholds): 3.25e7 digits took
     * 4.0 to 4.3 s, 3.4e7 digits 5.0 to 5.2 s, so the left piece at 5e7
     * stays below 0.68 n (there, 4.6 s against 3.5 s).  0.63 n up to 1e7
     * digits, 0.65 n from 5e7 on, linear in log10 n between. */
    if (n < 10)
        return n / 2;
    double x = log10((double)n);
    double f = x <= 7 ? 0.63 : x >= 7.69897 ? 0.65
                                            : 0.63 + 0.02 * (x - 7) / 0.69897;
    return (uint64_t)((double)n * f);
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

/* The left piece of a cut at h: y without the low bits its h digits do
 * not need.  No product: a shift. */
static void cut_left(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                     pp_pi_fixed *left)
{
    uint64_t s = spare_bits(y, n, h);
    mpz_tdiv_q_2exp(left->v, y->v, s);
    left->bits = y->bits - s;
    /* A shift by 64 or more is undefined in C: y->ulps (a 64-bit count)
     * is then simply gone. */
    left->ulps = s ? (s < 64 ? y->ulps >> s : 0) + 2 : y->ulps;
}

/* 10^k of y is exact to within its ulps only if y has more bits than k
 * plus those of 5^k (sr); n names the digits wanted, for the message. */
static int enough_bits(const pp_pi_fixed *y, uint64_t n, uint64_t k,
                       uint64_t sr, pp_error *err)
{
    if (k + sr < y->bits)
        return 0;
    return pp_error_set(err, PP_EOVERFLOW,
                        "pi: %llu bits are too few for %llu digits",
                        (unsigned long long)y->bits, (unsigned long long)n);
}

/* The right piece of a cut at h, with 5^h given (pow5), checked: the
 * left piece's own last digit is checked where it is written. */
static int cut_right(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                     const mpz_t pow5, pp_pi_fixed *right, pp_error *err)
{
    /* The fraction of y 10^h is within ulps 5^h < ulps 2^sr units of
     * 2^(bits - h): after dropping sr low bits it is within ulps + 1, and
     * it did not wrap if its top part keeps ulps away from both ends. */
    uint64_t sr = mpz_sizeinbase(pow5, 2);
    int rc = enough_bits(y, n, h, sr, err);
    if (rc)
        return rc;
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

/* The cut with 5^h given (pow5). */
static int cut(const pp_pi_fixed *y, uint64_t n, uint64_t h,
               const mpz_t pow5, pp_pi_fixed *left, pp_pi_fixed *right,
               pp_error *err)
{
    cut_left(y, n, h, left);
    return cut_right(y, n, h, pow5, right, err);
}

/* The last n <= base digits of a piece: floor(y 10^n), checked like a
 * cut, then written with leading zeros. */
static int leaf_digits(const pp_pi_fixed *y, uint64_t n, const mpz_t pow5,
                       char *out, pp_error *err)
{
    uint64_t sr = mpz_sizeinbase(pow5, 2);
    int rc = enough_bits(y, n, n, sr, err);
    if (rc)
        return rc;
    /* y 10^n = y 5^n 2^n: its whole part is y 5^n without its low
     * bits - n bits, its fraction those bits. */
    mpz_t v, top;
    mpz_inits(v, top, NULL);
    mpz_mul(v, y->v, pow5);
    mpz_tdiv_r_2exp(top, v, y->bits - n);
    mpz_tdiv_q_2exp(top, top, sr);
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

int pp_pi_decimal_part(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                       int half, pp_pi_fixed *part, pp_error *err)
{
    if (h == 0 || h >= n || half < 0 || half > 1)
        return pp_error_set(err, PP_EINVAL,
                            "pi: cannot cut %llu digits at %llu",
                            (unsigned long long)n, (unsigned long long)h);
    if (half == 0) {
        cut_left(y, n, h, part);
        return 0;
    }
    mpz_t pow;
    mpz_init(pow);
    mpz_ui_pow_ui(pow, 5, h);
    int rc = cut_right(y, n, h, pow, part, err);
    mpz_clear(pow);
    return rc;
}

int pp_pi_decimal_right_pow(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                            const mpz_t pow5, pp_pi_fixed *part,
                            pp_error *err)
{
    if (h == 0 || h >= n)
        return pp_error_set(err, PP_EINVAL,
                            "pi: cannot cut %llu digits at %llu",
                            (unsigned long long)n, (unsigned long long)h);
    return cut_right(y, n, h, pow5, part, err);
}

bool pp_pi_pow5_check(const mpz_t p, uint64_t k)
{
    /* 5^k has floor(k log2 5) + 1 bits; the double is off by far less
     * than one for any k a value here can have (k < 2^40). */
    double lg = (double)k * 2.321928094887362;
    uint64_t bits = mpz_sizeinbase(p, 2);
    if (mpz_sgn(p) <= 0 || (double)bits < lg || (double)bits > lg + 2)
        return false;
    /* Primes below 2^32: an unsigned long on every target. */
    static const unsigned long primes[2] = { 4294967291ul, 4294967279ul };
    mpz_t m, r, five;
    mpz_inits(m, r, five, NULL);
    mpz_set_ui(five, 5);
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++) {
        mpz_set_ui(m, primes[i]);
        mpz_set_ui(r, 0);
        /* k itself may be past an unsigned long (32 bits): a power of
         * an mpz exponent. */
        mpz_t e;
        mpz_init(e);
        mpz_import(e, 1, 1, sizeof k, 0, 0, &k);
        mpz_powm(r, five, e, m);
        mpz_clear(e);
        ok = mpz_fdiv_ui(p, primes[i]) == mpz_get_ui(r);
    }
    mpz_clears(m, r, five, NULL);
    return ok;
}

int pp_pi_decimal_left_tail(const pp_pi_fixed *y, const mpz_t dm,
                            int64_t dexp, uint64_t n, uint64_t h,
                            pp_pi_fixed *left, pp_error *err)
{
    if (h == 0 || h >= n)
        return pp_error_set(err, PP_EINVAL,
                            "pi: cannot cut %llu digits at %llu",
                            (unsigned long long)n, (unsigned long long)h);
    uint64_t s = spare_bits(y, n, h);
    int64_t e = (int64_t)mpz_sizeinbase(dm, 2) + dexp; /* |d| < 2^e */
    if (s < 4 || mpz_sgn(dm) == 0) {
        pp_pi_fixed full;
        pp_pi_fixed_init(&full);
        mpz_set(full.v, y->v);
        full.bits = y->bits;
        full.ulps = y->ulps;
        pp_pi_apply_tail(&full, dm, dexp);
        cut_left(&full, n, h, left);
        pp_pi_fixed_clear(&full);
        return 0;
    }
    /* y d to within 2^(s-1) + 1: y without its s1 low bits (off by
     * 2^(s1 + e) <= 2^(s-2) in the product), d without its s2 low bits
     * (off by y 2^(s2 + dexp) < 2^(bits + s2 + dexp) <= 2^(s-2)), the
     * floor.  A short product: only the bits of y d that reach above the
     * cut's spare bits. */
    int64_t s1 = (int64_t)s - 2 - e, s2 = (int64_t)s - 2 - (int64_t)y->bits
                                          - dexp;
    if (s1 < 0)
        s1 = 0;
    if (s2 < 0)
        s2 = 0;
    mpz_t t, d;
    mpz_inits(t, d, NULL);
    mpz_tdiv_q_2exp(t, y->v, (mp_bitcnt_t)s1);
    mpz_tdiv_q_2exp(d, dm, (mp_bitcnt_t)s2);
    mpz_mul(t, t, d);
    int64_t shift = dexp + s1 + s2;
    if (shift < 0)
        mpz_fdiv_q_2exp(t, t, (mp_bitcnt_t)-shift);
    else
        mpz_mul_2exp(t, t, (mp_bitcnt_t)shift);
    mpz_add(t, t, y->v);
    /* t is y (1 + d) within y->ulps + 2 (pp_pi_apply_tail's) + 2^s: the
     * 2^s adds one unit to the left piece's bound. */
    pp_pi_fixed yd = { .bits = y->bits, .ulps = y->ulps + 2 };
    mpz_init(yd.v);
    mpz_swap(yd.v, t);
    cut_left(&yd, n, h, left);
    left->ulps += 1;
    pp_pi_fixed_clear(&yd);
    mpz_clears(t, d, NULL);
    return 0;
}

uint64_t pp_pi_decimal_piece_point(uint64_t n, unsigned pieces, unsigned j)
{
    if (j == 0 || pieces < 2 || n < 2 * (uint64_t)pieces)
        return j == 0 ? 0 : n;
    if (j >= pieces)
        return n;
    if (pieces == 2)
        return pp_pi_decimal_halves_point(n);
    /* Piece j costs its conversion, c (hi - lo), and the product that
     * brings its digits to the front, about a lo, a / c = 0.41 (the
     * halves point's figures): equal costs make lo(j+1) = 0.59 lo(j) + x,
     * with x the first piece's length. */
    const double q = 0.59;
    double x = (double)n * (1 - q) / (1 - pow(q, pieces)), lo = 0;
    for (unsigned k = 0; k < j; k++)
        lo = q * lo + x;
    uint64_t at = (uint64_t)lo;
    uint64_t most = n - (pieces - j); /* each later piece a digit at least */
    return at < j ? j : at > most ? most : at;
}

int pp_pi_decimal_piece(const pp_pi_fixed *y, const mpz_t dm, int64_t dexp,
                        uint64_t n, uint64_t lo, uint64_t hi,
                        pp_pi_fixed *part, pp_error *err)
{
    if (lo >= hi || hi > n)
        return pp_error_set(err, PP_EINVAL,
                            "pi: digits [%llu, %llu) are not a piece of %llu",
                            (unsigned long long)lo, (unsigned long long)hi,
                            (unsigned long long)n);
    /* The digits before hi, then, of those, the ones from lo on: each
     * step is a cut of pp_pi_decimal_split, so the digits are the
     * whole conversion's. */
    pp_pi_fixed top;
    pp_pi_fixed_init(&top);
    int rc = 0;
    if (hi < n && dm)
        rc = pp_pi_decimal_left_tail(y, dm, dexp, n, hi, &top, err);
    else if (hi < n)
        cut_left(y, n, hi, &top);
    else {
        mpz_set(top.v, y->v);
        top.bits = y->bits;
        top.ulps = y->ulps;
        if (dm)
            pp_pi_apply_tail(&top, dm, dexp);
    }
    if (!rc && lo > 0)
        rc = pp_pi_decimal_part(&top, hi, lo, 1, part, err);
    else if (!rc) {
        mpz_swap(part->v, top.v);
        part->bits = top.bits;
        part->ulps = top.ulps;
    }
    pp_pi_fixed_clear(&top);
    return rc;
}
