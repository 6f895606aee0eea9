/* pi_series.c - the Chudnovsky series over a range of terms by binary
 * splitting, with common factors of P and Q removed on the way up.
 *
 * Term k >= 1 contributes
 *   p(k) = (2k-1)(6k-5)(6k-1),  q(k) = k^3 640320^3 / 24,
 *   t(k) = (-1)^k p(k) (13591409 + 545140134 k),
 * term 0 is p = q = 1, t = 13591409, and two adjacent ranges join as
 *   P = P1 P2,  Q = Q1 Q2,  T = T1 Q2 + P1 T2.
 * The sign rides on t with the absolute index k, so P stays positive and
 * its factors can be tracked.
 *
 * Following Hanhong Xue's gmp-chudnovsky.c, each node below the top of the
 * split keeps the factorisations of P and of the odd part of Q (sorted lists
 * of primes and exponents, seeded by a sieve); before joining, a factor g
 * common to P1 and Q2 divides P1, Q2 and so every term of the join, and is
 * dropped.  That makes Q a third smaller (1e7 digits: 50.5 instead of
 * 75.6 million bits) and the series 30 % faster.  Near the top the lists
 * get long and the divisions by a big g cost more than they save, so the
 * top levels join plainly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gmp64.h"
#include "pi.h"

#define PI_A 13591409u
#define PI_B 545140134u
#define PI_C3_24 10939058860032000ull /* 640320^3 / 24 */

/* Odd numbers below 2^32 have at most 9 distinct odd prime factors
 * (3 * 5 * ... * 29 < 2^32 < 3 * 5 * ... * 31). */
#define MAX_FACTORS 9

/* Terms per sieve segment: small enough to stay in cache. */
#define SEGMENT 8192

/* Nodes with more terms than this join plainly (see the top comment).
 * Measured at 1e7 and 5e7 digits: 2^13 to 2^17 are within 3 % of each
 * other, 2^15 fastest; more keeps the numbers smaller (2^17: 8 % at 5e7)
 * but costs more in lists and divisions than it saves in products. */
#define REDUCE_MAX (1u << 15)

/* Below this many terms the split point is the middle; above it, the point
 * that balances the sizes of the two halves (later terms are bigger). */
#define WEIGHTED_SPLIT_MIN 4096

#define MAX_DEPTH 96

/* The sieve works on 32-bit numbers up to 6 b. */
#define SIEVE_MAX_TERMS ((UINT32_MAX - 6) / 6)

/* ---- factor lists ------------------------------------------------------- */

typedef struct fac {
    uint32_t *p; /* primes, increasing */
    uint32_t *e; /* their exponents, all > 0 */
    size_t n, cap;
} fac;

static void *xrealloc(void *ptr, size_t size)
{
    /* GMP aborts on no memory; the lists follow the same rule so that a
     * split never stops half done. */
    void *q = realloc(ptr, size ? size : 1);
    if (!q)
        abort();
    return q;
}

static void fac_reserve(fac *f, size_t n)
{
    if (n <= f->cap)
        return;
    size_t cap = f->cap ? f->cap : 16;
    while (cap < n)
        cap *= 2;
    f->p = xrealloc(f->p, cap * sizeof *f->p);
    f->e = xrealloc(f->e, cap * sizeof *f->e);
    f->cap = cap;
}

static void fac_free(fac *f)
{
    free(f->p);
    free(f->e);
    memset(f, 0, sizeof *f);
}

static void fac_push(fac *f, uint32_t p, uint32_t e)
{
    fac_reserve(f, f->n + 1);
    f->p[f->n] = p;
    f->e[f->n] = e;
    f->n++;
}

/* out = x * y as factorisations (exponents add).  out is neither x nor y. */
static void fac_mul(fac *out, const fac *x, const fac *y)
{
    fac_reserve(out, x->n + y->n);
    size_t i = 0, j = 0, n = 0;
    while (i < x->n && j < y->n) {
        if (x->p[i] < y->p[j]) {
            out->p[n] = x->p[i];
            out->e[n++] = x->e[i++];
        } else if (x->p[i] > y->p[j]) {
            out->p[n] = y->p[j];
            out->e[n++] = y->e[j++];
        } else {
            out->p[n] = x->p[i];
            out->e[n++] = x->e[i++] + y->e[j++];
        }
    }
    for (; i < x->n; i++, n++) {
        out->p[n] = x->p[i];
        out->e[n] = x->e[i];
    }
    for (; j < y->n; j++, n++) {
        out->p[n] = y->p[j];
        out->e[n] = y->e[j];
    }
    out->n = n;
}

/* g = gcd(x, y); x and y are divided by it in place (entries that reach
 * exponent 0 leave the lists). */
static void fac_remove_gcd(fac *g, fac *x, fac *y)
{
    g->n = 0;
    size_t i = 0, j = 0, nx = 0, ny = 0;
    while (i < x->n && j < y->n) {
        if (x->p[i] < y->p[j]) {
            x->p[nx] = x->p[i];
            x->e[nx++] = x->e[i++];
        } else if (x->p[i] > y->p[j]) {
            y->p[ny] = y->p[j];
            y->e[ny++] = y->e[j++];
        } else {
            uint32_t e = x->e[i] < y->e[j] ? x->e[i] : y->e[j];
            fac_push(g, x->p[i], e);
            if (x->e[i] > e) {
                x->p[nx] = x->p[i];
                x->e[nx++] = x->e[i] - e;
            }
            if (y->e[j] > e) {
                y->p[ny] = y->p[j];
                y->e[ny++] = y->e[j] - e;
            }
            i++;
            j++;
        }
    }
    for (; i < x->n; i++, nx++) {
        x->p[nx] = x->p[i];
        x->e[nx] = x->e[i];
    }
    for (; j < y->n; j++, ny++) {
        y->p[ny] = y->p[j];
        y->e[ny] = y->e[j];
    }
    x->n = nx;
    y->n = ny;
}

/* r = the product of f's entries [lo, hi), by a product tree so that big
 * gcds cost a few balanced products rather than a long chain. */
static void fac_product(mpz_t r, const fac *f, size_t lo, size_t hi)
{
    if (hi - lo <= 32) {
        mpz_set_ui(r, 1);
        /* unsigned long, what mpz_mul_ui takes: 32 bits on armhf. */
        unsigned long acc = 1;
        for (size_t i = lo; i < hi; i++) {
            for (uint32_t k = 0; k < f->e[i]; k++) {
                if (acc > ULONG_MAX / f->p[i]) {
                    mpz_mul_ui(r, r, acc);
                    acc = 1;
                }
                acc *= f->p[i];
            }
        }
        mpz_mul_ui(r, r, acc);
        return;
    }
    size_t mid = lo + (hi - lo) / 2;
    mpz_t s;
    mpz_init(s);
    fac_product(r, f, lo, mid);
    fac_product(s, f, mid, hi);
    mpz_mul(r, r, s);
    mpz_clear(s);
}

/* ---- the sieve ---------------------------------------------------------- */

/* Factorisations of the numbers d k - c for k in [a, a + n): one
 * arithmetic progression per factor of p(k) and one for k itself. */
typedef struct prog {
    uint32_t d, c;
    uint32_t *rem;   /* what is left to factor, per k */
    uint8_t *count;  /* factors found, per k */
    uint32_t *prime; /* MAX_FACTORS per k */
    uint8_t *exp;
} prog;

typedef struct sieve {
    uint64_t a, b;   /* terms covered, [a, b) */
    uint32_t *primes; /* odd primes up to sqrt(6 b_max) */
    uint32_t *inv6;   /* 6^-1 mod each of them (0 for 3) */
    size_t nprimes;
    prog pr[4];       /* k (odd part), 2k-1, 6k-5, 6k-1 */
} sieve;

static uint32_t inverse_of_6(uint32_t p)
{
    /* 6 t == 1 (mod p) for t = (j p + 1) / 6 with the j in 1..5 that makes
     * j p + 1 a multiple of 6. */
    for (uint64_t j = 1; j <= 5; j++)
        if ((j * p + 1) % 6 == 0)
            return (uint32_t)((j * p + 1) / 6);
    return 0;
}

/* Odd primes up to sqrt(6 b) + 1: every d k - c below 6 b that is not a
 * prime has a factor among them. */
static void sieve_primes(sieve *s, uint64_t b)
{
    uint64_t top = (uint64_t)sqrt(6.0 * (double)b) + 2;
    while (top * top < 6 * b)
        top++;
    uint8_t *composite = calloc(top + 1, 1);
    if (!composite)
        abort();
    size_t n = 0;
    for (uint64_t i = 3; i <= top; i += 2)
        if (!composite[i]) {
            n++;
            for (uint64_t j = i * i; j <= top; j += 2 * i)
                composite[j] = 1;
        }
    s->primes = xrealloc(NULL, n * sizeof *s->primes);
    s->inv6 = xrealloc(NULL, n * sizeof *s->inv6);
    n = 0;
    for (uint64_t i = 3; i <= top; i += 2)
        if (!composite[i]) {
            s->primes[n] = (uint32_t)i;
            s->inv6[n] = i == 3 ? 0 : inverse_of_6((uint32_t)i);
            n++;
        }
    free(composite);
    s->nprimes = n;
}

static void sieve_init(sieve *s, uint64_t b_max)
{
    memset(s, 0, sizeof *s);
    sieve_primes(s, b_max);
    static const uint32_t dc[4][2] = { { 1, 0 }, { 2, 1 }, { 6, 5 },
                                       { 6, 1 } };
    for (int i = 0; i < 4; i++) {
        prog *g = &s->pr[i];
        g->d = dc[i][0];
        g->c = dc[i][1];
        g->rem = xrealloc(NULL, SEGMENT * sizeof *g->rem);
        g->count = xrealloc(NULL, SEGMENT);
        g->prime = xrealloc(NULL, SEGMENT * MAX_FACTORS * sizeof *g->prime);
        g->exp = xrealloc(NULL, SEGMENT * MAX_FACTORS);
    }
}

static void sieve_free(sieve *s)
{
    for (int i = 0; i < 4; i++) {
        free(s->pr[i].rem);
        free(s->pr[i].count);
        free(s->pr[i].prime);
        free(s->pr[i].exp);
    }
    free(s->primes);
    free(s->inv6);
    memset(s, 0, sizeof *s);
}

/* Factors d k - c for k in [a, a + n), n <= SEGMENT, a >= 1. */
static void sieve_prog(const sieve *s, prog *g, uint64_t a, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = g->d * (a + i) - g->c;
        if (g->d == 1)
            x >>= __builtin_ctzll(x); /* 2 never cancels: P is odd */
        g->rem[i] = (uint32_t)x;
        g->count[i] = 0;
    }
    for (size_t j = 0; j < s->nprimes; j++) {
        uint32_t p = s->primes[j];
        uint64_t r; /* d k == c (mod p) for k == r */
        if (g->d == 1)
            r = 0;
        else if (g->d == 2)
            r = (uint64_t)g->c * ((p + 1) / 2) % p;
        else if (p == 3)
            continue; /* 6k - c is never a multiple of 3 */
        else
            r = (uint64_t)g->c * s->inv6[j] % p;
        uint64_t first = (r + p - a % p) % p;
        for (uint64_t i = first; i < n; i += p) {
            uint32_t x = g->rem[i], e = 0;
            do {
                x /= p;
                e++;
            } while (x % p == 0);
            g->rem[i] = x;
            uint8_t c = g->count[i]++;
            g->prime[i * MAX_FACTORS + c] = p;
            g->exp[i * MAX_FACTORS + c] = (uint8_t)e;
        }
    }
    /* What is left has no factor up to sqrt(limit): 1 or a prime, larger
     * than every prime found, so the lists stay sorted. */
    for (uint64_t i = 0; i < n; i++)
        if (g->rem[i] > 1) {
            uint8_t c = g->count[i]++;
            g->prime[i * MAX_FACTORS + c] = g->rem[i];
            g->exp[i * MAX_FACTORS + c] = 1;
        }
}

/* Factors the terms [a, b), b - a <= SEGMENT; term 0 has no factors. */
static void sieve_segment(sieve *s, uint64_t a, uint64_t b)
{
    uint64_t lo = a ? a : 1;
    if (b > lo)
        for (int i = 0; i < 4; i++)
            sieve_prog(s, &s->pr[i], lo, b - lo);
    s->a = a;
    s->b = b;
}

/* Appends the factors below `below` of term k's number in progression g,
 * exponents times mult, to f (unsorted across progressions). */
static void append_factors(fac *f, const prog *g, uint64_t i, uint32_t mult,
                           uint64_t below)
{
    for (uint8_t c = 0; c < g->count[i]; c++)
        if (g->prime[i * MAX_FACTORS + c] < below)
            fac_push(f, g->prime[i * MAX_FACTORS + c],
                     (uint32_t)g->exp[i * MAX_FACTORS + c] * mult);
}

static void fac_sort(fac *f)
{
    for (size_t i = 1; i < f->n; i++) {
        uint32_t p = f->p[i], e = f->e[i];
        size_t j = i;
        for (; j > 0 && f->p[j - 1] > p; j--) {
            f->p[j] = f->p[j - 1];
            f->e[j] = f->e[j - 1];
        }
        f->p[j] = p;
        f->e[j] = e;
    }
}

/* ---- the split ---------------------------------------------------------- */

typedef struct node {
    mpz_t P, Q, T;
    fac fp, fq; /* factorisations of P and of the odd part of Q */
} node;

typedef struct ctx {
    uint64_t reduce_max; /* nodes up to this many terms remove gcds */
    sieve sv;
    bool have_sieve;
    node stack[MAX_DEPTH]; /* right children, one per depth */
    fac tmp, g;            /* scratch lists */
    mpz_t gz;              /* the gcd as a number */
    fac qconst;            /* odd part of 640320^3 / 24 */
} ctx;

static void node_init(node *x)
{
    mpz_inits(x->P, x->Q, x->T, NULL);
    memset(&x->fp, 0, sizeof x->fp);
    memset(&x->fq, 0, sizeof x->fq);
}

static void node_clear(node *x)
{
    mpz_clears(x->P, x->Q, x->T, NULL);
    fac_free(&x->fp);
    fac_free(&x->fq);
}

/* Leaf: term k alone. */
static void leaf(ctx *c, node *x, uint64_t k, bool lists)
{
    x->fp.n = 0;
    x->fq.n = 0;
    if (k == 0) {
        mpz_set_ui(x->P, 1);
        mpz_set_ui(x->Q, 1);
        mpz_set_ui(x->T, PI_A);
        return;
    }
#ifdef __SIZEOF_INT128__
    /* (2k-1)(6k-5)(6k-1) < 72 k^3 < 2^128 for k < 2^40. */
    unsigned __int128 p = (unsigned __int128)(2 * k - 1) * (6 * k - 5)
                          * (6 * k - 1);
    mpz_set_ui(x->P, (uint64_t)(p >> 64));
    mpz_mul_2exp(x->P, x->P, 64);
    mpz_add_ui(x->P, x->P, (uint64_t)p);
    unsigned __int128 k3 = (unsigned __int128)k * k * k;
    mpz_set_ui(x->Q, (uint64_t)(k3 >> 64));
    mpz_mul_2exp(x->Q, x->Q, 64);
    mpz_add_ui(x->Q, x->Q, (uint64_t)k3);
#else
    /* 32-bit targets (armhf) have no __int128: the same products in mpz. */
    pp_mpz_set_u64(x->P, 2 * k - 1);
    pp_mpz_mul_u64(x->P, x->P, 6 * k - 5);
    pp_mpz_mul_u64(x->P, x->P, 6 * k - 1);
    pp_mpz_set_u64(x->Q, k);
    pp_mpz_mul_u64(x->Q, x->Q, k);
    pp_mpz_mul_u64(x->Q, x->Q, k);
#endif
    pp_mpz_mul_u64(x->Q, x->Q, PI_C3_24);
    pp_mpz_mul_u64(x->T, x->P, PI_A + (uint64_t)PI_B * k);
    if (k & 1)
        mpz_neg(x->T, x->T);
    if (!lists)
        return;
    /* Which primes a gcd can ever meet: it joins P of terms j and Q of
     * terms k with 0 < k - j < R = reduce_max, so a prime p dividing both
     * k and 2j-1, 6j-5 or 6j-1 divides 2k-2j+1, 6k-6j+5 or 6k-6j+1, all
     * in (0, 6R + 5]: p <= 6R + 5.  And p <= k < j + R.  The other primes
     * (most of P's: they are near 6k) would only lengthen the lists. */
    uint64_t i = k - (c->sv.a ? c->sv.a : 1), reach = 6 * c->reduce_max + 6;
    uint64_t pmax = k + c->reduce_max < reach ? k + c->reduce_max : reach;
    for (int g = 1; g < 4; g++)
        append_factors(&x->fp, &c->sv.pr[g], i, 1, pmax);
    fac_sort(&x->fp); /* three sorted runs of coprime numbers */
    c->tmp.n = 0;
    append_factors(&c->tmp, &c->sv.pr[0], i, 3, reach);
    fac_mul(&x->fq, &c->tmp, &c->qconst);
}

/* Frees a spent number's limbs once they are big, so that the stack of
 * right children does not keep the top levels' memory allocated and a join
 * does not carry dead numbers into its next product. */
static void release(mpz_t z)
{
    if (mpz_size(z) > 4096)
        mpz_realloc2(z, 64);
}

/* r *= q, skipping the low zero limbs of both: Q carries 2^15 per term
 * and the twos of k^3, a fifth of its bits once reduced, which P, being
 * odd, never cancels.  Multiplying what is left and shifting makes the
 * series 6 % faster. */
void pp_pi_mul_q(mpz_t r, const mpz_t q)
{
    size_t zr = 0, zq = 0, nr = mpz_size(r), nq = mpz_size(q);
    const mp_limb_t *lr = mpz_limbs_read(r), *lq = mpz_limbs_read(q);
    while (zr < nr && lr[zr] == 0)
        zr++;
    while (zq < nq && lq[zq] == 0)
        zq++;
    if (zr + zq < 4 || zr == nr || zq == nq) {
        mpz_mul(r, r, q);
        return;
    }
    /* GMP_NUMB_BITS: a limb is 64 bits on 64-bit targets, 32 on armhf. */
    if (zr)
        mpz_tdiv_q_2exp(r, r, (mp_bitcnt_t)GMP_NUMB_BITS * zr);
    mpz_t view; /* q's limbs from the first nonzero one, not a copy */
    mp_size_t n = (mp_size_t)(nq - zq);
    mpz_roinit_n(view, lq + zq, mpz_sgn(q) < 0 ? -n : n);
    mpz_mul(r, r, view);
    mpz_mul_2exp(r, r, (mp_bitcnt_t)GMP_NUMB_BITS * (zr + zq));
}

/* x = x joined with y (x on the left).  y's numbers are spent. */
static void join(ctx *c, node *x, node *y, bool need_p, bool reduce,
                 bool lists)
{
    if (reduce) {
        fac_remove_gcd(&c->g, &x->fp, &y->fq);
        if (c->g.n) {
            fac_product(c->gz, &c->g, 0, c->g.n);
            mpz_divexact(x->P, x->P, c->gz);
            mpz_divexact(y->Q, y->Q, c->gz);
        }
    }
    mpz_mul(y->T, y->T, x->P);
    if (need_p) {
        mpz_mul(x->P, x->P, y->P);
        release(y->P);
    } else {
        release(x->P);
        mpz_set_ui(x->P, 0);
    }
    pp_pi_mul_q(x->T, y->Q);
    mpz_add(x->T, x->T, y->T);
    release(y->T);
    pp_pi_mul_q(x->Q, y->Q);
    release(y->Q);
    if (lists) {
        if (need_p) {
            fac_mul(&c->tmp, &x->fp, &y->fp);
            fac t = x->fp;
            x->fp = c->tmp;
            c->tmp = t;
        }
        fac_mul(&c->tmp, &x->fq, &y->fq);
        fac t = x->fq;
        x->fq = c->tmp;
        c->tmp = t;
    }
}

/* Cumulative size of terms [0, x), up to a constant factor: term k has
 * about 9 log2 k + 113 bits across P, Q and T. */
static double weight(double x)
{
    if (x < 2)
        return 113 * x;
    return 9 * (x * log2(x) - x / M_LN2) + 113 * x;
}

/* The k in (lo, hi) where weight(k) - weight(lo) is `share` of the range's
 * weight. */
static uint64_t weighted_point(uint64_t lo, uint64_t hi, double share)
{
    double wlo = weight((double)lo), want = wlo + share * (weight((double)hi)
                                                           - wlo);
    uint64_t l = lo, h = hi; /* weight(l) < want <= weight(h) */
    while (h - l > 1) {
        uint64_t m = l + (h - l) / 2;
        if (weight((double)m) < want)
            l = m;
        else
            h = m;
    }
    return h;
}

static uint64_t split_point(uint64_t a, uint64_t b)
{
    uint64_t m = b - a < WEIGHTED_SPLIT_MIN ? a + (b - a) / 2
                                            : weighted_point(a, b, 0.5);
    if (m <= a)
        m = a + 1;
    if (m >= b)
        m = b - 1;
    return m;
}

static void split_rec(ctx *c, node *x, uint64_t a, uint64_t b, int depth,
                      bool need_p)
{
    bool lists = b - a <= c->reduce_max;
    if (lists && (!c->have_sieve || a < c->sv.a || b > c->sv.b)
        && b - a <= SEGMENT) {
        sieve_segment(&c->sv, a, b);
        c->have_sieve = true;
    }
    if (b - a == 1) {
        leaf(c, x, a, lists);
        return;
    }
    if (depth + 1 >= MAX_DEPTH)
        abort(); /* cannot happen: the split point keeps both halves big */
    uint64_t m = split_point(a, b);
    split_rec(c, x, a, m, depth + 1, true);
    node *y = &c->stack[depth];
    split_rec(c, y, m, b, depth + 1, need_p);
    /* The top join is the series' peak: the heap's and the pool's freed
     * blocks from the levels below go back first. */
    if (depth == 0)
        pp_pi_give_back();
    join(c, x, y, need_p, lists, lists);
}

static void ctx_init(ctx *c, uint64_t b)
{
    memset(c, 0, sizeof *c);
    c->reduce_max = REDUCE_MAX;
    if (b <= SIEVE_MAX_TERMS)
        sieve_init(&c->sv, b);
    else
        c->reduce_max = 0; /* the sieve's numbers would not fit: no lists */
    for (int i = 0; i < MAX_DEPTH; i++)
        node_init(&c->stack[i]);
    mpz_init(c->gz);
    static const uint32_t qp[] = { 3, 5, 23, 29 }, qe[] = { 2, 3, 3, 3 };
    for (int i = 0; i < 4; i++)
        fac_push(&c->qconst, qp[i], qe[i]);
}

static void ctx_free(ctx *c)
{
    sieve_free(&c->sv);
    for (int i = 0; i < MAX_DEPTH; i++)
        node_clear(&c->stack[i]);
    fac_free(&c->tmp);
    fac_free(&c->g);
    fac_free(&c->qconst);
    mpz_clear(c->gz);
}

void pp_pi_split_ex(mpz_t P, mpz_t Q, mpz_t T, uint64_t a, uint64_t b,
                    bool need_p)
{
    if (a >= b) {
        /* The empty range: the triple that changes nothing in a merge. */
        mpz_set_ui(P, need_p ? 1 : 0);
        mpz_set_ui(Q, 1);
        mpz_set_ui(T, 0);
        return;
    }
    ctx *c = malloc(sizeof *c);
    if (!c)
        abort();
    ctx_init(c, b);
    node x;
    node_init(&x);
    split_rec(c, &x, a, b, 0, need_p);
    mpz_swap(P, x.P);
    mpz_swap(Q, x.Q);
    mpz_swap(T, x.T);
    if (!need_p)
        mpz_set_ui(P, 0);
    node_clear(&x);
    ctx_free(c);
    free(c);
}

void pp_pi_split(mpz_t P, mpz_t Q, mpz_t T, uint64_t a, uint64_t b)
{
    pp_pi_split_ex(P, Q, T, a, b, true);
}

void pp_pi_merge(mpz_t P1, mpz_t Q1, mpz_t T1, const mpz_t P2,
                 const mpz_t Q2, const mpz_t T2, bool need_p)
{
    /* The order keeps the peak low at the top of the tree: P1 T2 first so
     * that P1 can go before the biggest product when it is not needed. */
    mpz_t t;
    mpz_init(t);
    mpz_mul(t, P1, T2);
    if (!need_p)
        mpz_realloc2(P1, 64);
    pp_pi_mul_q(T1, Q2);
    mpz_add(T1, T1, t);
    mpz_clear(t);
    pp_pi_mul_q(Q1, Q2);
    if (need_p)
        mpz_mul(P1, P1, P2);
    else
        mpz_set_ui(P1, 0);
}

unsigned pp_pi_tree_mid(unsigned lo, unsigned hi)
{
    return lo + (hi - lo) / 2;
}

/* Boundary j of n leaves at `share` of the weight, clamped so that every
 * leaf keeps at least one term; weighted_point is monotonic in its share,
 * so the clamped boundaries still increase with the share. */
static uint64_t leaf_bound(uint64_t terms, unsigned n, uint64_t j,
                           double share)
{
    uint64_t x;
    if (j == 0)
        x = 0;
    else if (j == n)
        x = terms;
    else if (terms / n < 4)
        x = terms * j / n; /* too few terms to weigh */
    else
        x = weighted_point(0, terms, share);
    if (x < j)
        x = j;
    if (x > terms - (n - j))
        x = terms - (n - j);
    return x;
}

void pp_pi_leaf_range(uint64_t terms, unsigned n, unsigned i, uint64_t *a,
                      uint64_t *b)
{
    *a = leaf_bound(terms, n, i, (double)i / n);
    *b = leaf_bound(terms, n, i + 1, (double)(i + 1) / n);
}

static double cut_share(unsigned n, unsigned cut, double left, unsigned j)
{
    if (j <= cut)
        return left * j / cut;
    return left + (1 - left) * (j - cut) / (n - cut);
}

void pp_pi_leaf_range_cut(uint64_t terms, unsigned n, unsigned cut,
                          double left, unsigned i, uint64_t *a, uint64_t *b)
{
    if (cut == 0 || cut >= n || !(left > 0 && left < 1)) {
        pp_pi_leaf_range(terms, n, i, a, b);
        return;
    }
    *a = leaf_bound(terms, n, i, cut_share(n, cut, left, i));
    *b = leaf_bound(terms, n, i + 1, cut_share(n, cut, left, i + 1));
}

double pp_pi_two_leaf_share(uint64_t digits)
{
    /* Which side is longer changes with the size (the products' sizes
     * cross GMP's FFT steps at different digits on each side).  From the
     * CPU time of each task run in one process (best of 2 or 3 on a
     * shared 2-core machine) the two sides were level at 0.49 to 0.495
     * at 1e7 digits and at 0.474 to 0.477 at 5e7 (at 0.52 the left side
     * ran 1.8 s longer there: 18.3 s against 16.5 s); at 1.5e8 the left
     * side (the left leaf and the division) was the longer one by 5.5 and
     * 10.0 s of CPU at 0.52, by 3.2 s at 0.505, and the right one by 1.3 s
     * at 0.49 (bench/pi_graph 1.5e8 --share S, one run each but 0.52's
     * two; the critical path 80.1 and 79.8 s, 77.8 s, 75.3 s): 0.495
     * there.  Linear in log10 of the digits between those points, flat
     * beyond them. */
    static const double at[][2] = { { 7.0, 0.495 },
                                    { 7.69897, 0.475 }, /* 5e7 */
                                    { 8.17609, 0.495 } }; /* 1.5e8 */
    double x = log10((double)digits);
    if (!(x > at[0][0]))
        return at[0][1];
    for (int i = 1; i < 3; i++)
        if (x <= at[i][0])
            return at[i - 1][1] + (at[i][1] - at[i - 1][1])
                                      * (x - at[i - 1][0])
                                      / (at[i][0] - at[i - 1][0]);
    return at[2][1];
}
