/* pi.h - the digits of pi by the Chudnovsky series, as pieces a cluster can
 * run apart: leaf tasks (pp_pi_split over a range of terms), a tree of merge
 * tasks (pp_pi_merge), and the finish (pp_pi_finish, or its own pieces:
 * the square root, the division and a conversion to decimal that splits in
 * two).  Pure library: no sockets, no processes, no state between calls.
 *
 *   pi = 426880 sqrt(10005) Q / T,  T/Q = sum over k of
 *        (-1)^k (6k)! (13591409 + 545140134 k) / ((3k)! k!^3 640320^3k)
 *
 * A range of terms [a, b) is three integers P, Q, T that only matter as the
 * ratios P/Q and T/Q: the series removes common factors (gmp-chudnovsky.c's
 * idea), so two ways of computing one range may give different triples with
 * the same ratios.  Everything here is exact up to pp_pi_finish, which
 * checks its own rounding and never returns a wrong digit.
 *
 * Ownership: mpz_t arguments are the caller's, initialised and cleared by
 * the caller; functions only set them.  Text buffers are the caller's too.
 * GMP aborts the process when it runs out of memory, so the memory estimate
 * below is the way to refuse a run that cannot fit. */
#ifndef PP_PI_H
#define PP_PI_H

#include <stdbool.h>
#include <stdint.h>

#include <gmp.h>

#include "pipar/error.h"

/* The most digits pp_parse_digits accepts and the functions below handle:
 * 6 * terms stays below 2^32 in the sieve. */
#define PP_PI_MAX_DIGITS 10000000000ULL

/* ---- the series --------------------------------------------------------- */

/* Terms of the series needed for `digits` correct digits (each term adds
 * about 14.18 digits), with a margin that covers pp_pi_finish's guard digits
 * and its one retry at more precision.  digits <= PP_PI_MAX_DIGITS. */
uint64_t pp_pi_terms(uint64_t digits);

/* Binary splitting over terms [a, b): sets P, Q, T.  Common factors of P
 * and Q are removed below the top levels of the split, so the triple is
 * exact but not unique (see above).  a <= b < 2^32; a == b gives the
 * empty range's 1, 1, 0, which changes nothing in a merge.  Beyond
 * pp_pi_terms(PP_PI_MAX_DIGITS) the sieve's numbers would not fit and the
 * split is a plain one. */
void pp_pi_split(mpz_t P, mpz_t Q, mpz_t T, uint64_t a, uint64_t b);

/* The same; need_p false leaves P at 0 and saves the products that only
 * serve P: for the rightmost leaf of a run, whose P is never used. */
void pp_pi_split_ex(mpz_t P, mpz_t Q, mpz_t T, uint64_t a, uint64_t b,
                    bool need_p);

/* Merges adjacent ranges: on entry (P1,Q1,T1) is [a,m) and (P2,Q2,T2) is
 * [m,b); on return (P1,Q1,T1) is [a,b).  need_p false when P of [a,b) is
 * not needed any more (b is the end of the run: every merge on the right
 * edge of the tree); P1 is then left at 0 and one product is saved.
 * P2 is unused when need_p is false and may be 0 (see pp_pi_split_ex). */
void pp_pi_merge(mpz_t P1, mpz_t Q1, mpz_t T1, const mpz_t P2,
                 const mpz_t Q2, const mpz_t T2, bool need_p);

/* r *= q for a Q of the series: skips the low zero limbs of both (Q holds
 * 2^15 per term), multiplies the rest, shifts.  r and q distinct. */
void pp_pi_mul_q(mpz_t r, const mpz_t q);

/* The leaf ranges: leaf i of n over [0, terms) is [*a, *b): contiguous,
 * covering, a < b (1 <= n <= terms, i < n).  Later terms have bigger
 * numbers, so leaves are equal in estimated cost, not in term count. */
void pp_pi_leaf_range(uint64_t terms, unsigned n, unsigned i, uint64_t *a,
                      uint64_t *b);

/* The same with the leaves cut in two groups: leaves [0, cut) share
 * `left` of the estimated cost, leaves [cut, n) the rest (left = cut / n
 * gives pp_pi_leaf_range's).  For a cluster whose two sides do different
 * work after their leaves.  cut 0 or n, or left outside (0, 1): as
 * pp_pi_leaf_range. */
void pp_pi_leaf_range_cut(uint64_t terms, unsigned n, unsigned cut,
                          double left, unsigned i, uint64_t *a, uint64_t *b);

/* The left leaf's share of the estimated cost (the `left` above) for a
 * cluster's graph of two leaves, whose left engine then divides while
 * the right one has taken the square root first and computes pi_tail
 * after its leaf: the share that ends the two sides together, as
 * measured (0.495 up to 1e7 digits, 0.475 at 5e7, 0.52 from 1.5e8 on;
 * linear in log10 digits between). */
double pp_pi_two_leaf_share(uint64_t digits);

/* The merge tree over leaves [lo, hi) (hi - lo >= 2) joins [lo, mid) and
 * [mid, hi) at this mid: a balanced binary tree, the shape pp_pi_compute
 * uses, so a cluster that follows it does the same products. */
unsigned pp_pi_tree_mid(unsigned lo, unsigned hi);

/* ---- the finish --------------------------------------------------------- */

/* A value y in [0, 1) as a binary fixed-point number: |v - y 2^bits| <= ulps.
 * The finish's pieces pass it along; v is owned by the struct. */
typedef struct pp_pi_fixed {
    mpz_t v;
    uint64_t bits;
    uint64_t ulps;
} pp_pi_fixed;

void pp_pi_fixed_init(pp_pi_fixed *f);
void pp_pi_fixed_clear(pp_pi_fixed *f);

/* From Q and T of the whole range [0, pp_pi_terms(digits)): writes the
 * first `digits` decimal digits of pi ("31415926...", no point, exactly
 * `digits` bytes then a NUL: out has digits + 1 bytes), truncated, never
 * rounded up.  It works with guard bits and checks every cut for a run of
 * 9s or 0s that its error could cross; on one it redoes the work at more
 * precision once, then gives up with PP_EOVERFLOW rather than return a
 * digit it is not sure of.  Returns 0 or a PP_E code with err set. */
int pp_pi_finish(const mpz_t Q, const mpz_t T, uint64_t digits, char *out,
                 pp_error *err);

/* pp_pi_finish that adds the time of its phases to times (may be NULL):
 * sqrt, division and conversion. */
typedef struct pp_pi_times pp_pi_times;
int pp_pi_finish_timed(const mpz_t Q, const mpz_t T, uint64_t digits,
                       char *out, pp_pi_times *times, pp_error *err);

/* Extra guard bits for the retry after an ambiguous cut. */
#define PP_PI_RETRY_GUARD 128

/* One try of pp_pi_finish_timed at `guard` extra bits (0, then
 * PP_PI_RETRY_GUARD) that spends Q and T: they are freed (left 0) as soon
 * as the division has copied them, which lowers the peak by their size.
 * On PP_EOVERFLOW the caller has to compute Q and T again to retry. */
int pp_pi_finish_own(mpz_t Q, mpz_t T, uint64_t digits, unsigned guard,
                     char *out, pp_pi_times *times, pp_error *err);

/* The pieces of pp_pi_finish, for a cluster that runs them apart.  guard is
 * 0 for the first try (pp_pi_finish's own guard bits) or more for a retry.
 * pp_pi_work_bits: the fixed-point precision, in bits, of pi / 10. */
uint64_t pp_pi_work_bits(uint64_t digits, unsigned guard);

/* The largest precision any piece works at: pp_pi_work_bits of
 * PP_PI_MAX_DIGITS at the retry's guard.  The tasks refuse a bit count
 * from the wire above it (GMP aborts the process when a size overflows). */
uint64_t pp_pi_max_bits(void);

/* The largest error bound, in units, a fixed-point value may carry into a
 * task: the pieces add a few units each, never more than a handful. */
#define PP_PI_MAX_ULPS 1000000

/* S = 42688 sqrt(10005) 2^(bits + 8) within 2 units (42688 = 426880 / 10:
 * the finish works on pi / 10, which is below 1), by Newton's iteration
 * for the reciprocal square root: no division and no root of a number of
 * twice the size.  Needs neither Q nor T, so a
 * cluster can run it while the series is still going. */
void pp_pi_sqrt_part(mpz_t S, uint64_t bits);

/* y = pi / 10 from Q, T and S at `bits` (= pp_pi_work_bits): the division
 * and a product; y.ulps is 2. */
void pp_pi_divide(pp_pi_fixed *y, const mpz_t Q, const mpz_t T,
                  const mpz_t S, uint64_t bits);

/* The same, spending Q and T (left 0) to lower the peak: for a task that
 * owns its copies. */
void pp_pi_divide_own(pp_pi_fixed *y, mpz_t Q, mpz_t T, const mpz_t S,
                      uint64_t bits);

/* y as pp_pi_divide_own's (within its 2 units: y.ulps is 2), by one
 * division of S Q by T instead of Q / T then a product by S: S Q has
 * Q's size more bits than S, where m S has S's, and the division reads
 * only the top bits of its numerator (1e7 digits: 6 to 10 % less time).
 * Spends Q and T. */
void pp_pi_divide_fused_own(pp_pi_fixed *y, mpz_t Q, mpz_t T,
                            const mpz_t S, uint64_t bits);

/* ---- the division before the last merge (a cluster's finish) ----------
 *
 * With the terms cut at m into a left range [0, m), (P_L, Q_L, T_L), and a
 * right one [m, end), (Q_R, T_R), the whole series' quotient is
 *   Q / T = (Q_L / T_L) (1 + d),  d = -b / (1 + b),  b = P_L T_R / (T_L Q_R)
 * and d is tiny, about 10^(-14.18 m): pp_pi_divide of the left range alone
 * (which can start as soon as the left range is done, while the right one
 * is still being computed) times 1 + d gives pi / 10 without the last
 * merge's products or a division of its size.  d needs only the bits of
 * pi / 10 it reaches, bits - 47 m or so: a division of that size. */

/* d = dm 2^dexp with a relative error below 2^-(bits + e + 36), 2^e
 * bounding |d|: y d for any y < 2^bits is within 2^-36 of the exact
 * product.  P_L, T_L and Q_R positive (a left range's P is always
 * needed: never 0).  T_R 0 gives d = 0.  0 when done; -2 (nothing
 * computed) when |b| may reach 2^-8 by the numbers' sizes: no share of
 * the series (below 2^-40 for every m >= 1). */
int pp_pi_tail_ratio(mpz_t dm, int64_t *dexp, const mpz_t P_L,
                      const mpz_t T_L, const mpz_t Q_R, const mpz_t T_R,
                      uint64_t bits);

/* The same d in two steps, for a graph whose left range is done long
 * before its right one: the left range's a = P_L / T_L (am 2^aexp, to
 * the precision the share needs, as soon as the left range is done),
 * then with the right range's Q_R, T_R: d = -a T_R / (Q_R + a T_R),
 * within 2^-(bits + e + 36) relatively as pp_pi_tail_ratio's.  The
 * right range's step, on the graph's longest path, is one product and
 * one division of the share's size, against pp_pi_tail_ratio's merge of
 * the left range, two products and the division.  P_L, T_L positive; the
 * precision of a covers |T_R / Q_R| < 2^21 (below 2530 for every count
 * of terms allowed).  pp_pi_tail_right is 0 when done, -1 when am is
 * shorter than the pp_pi_tail_right_bits it needs (an am of another bits
 * or range), -2 when |a T_R / Q_R| may reach 2^-8 (no share of the
 * series: Q_R positive, T_R of either sign). */
void pp_pi_tail_left(mpz_t am, int64_t *aexp, const mpz_t P_L,
                     const mpz_t T_L, uint64_t bits);
int pp_pi_tail_right(mpz_t dm, int64_t *dexp, const mpz_t am, int64_t aexp,
                     const mpz_t Q_R, const mpz_t T_R, uint64_t bits);
uint64_t pp_pi_tail_right_bits(const mpz_t am, int64_t aexp,
                               const mpz_t Q_R, const mpz_t T_R,
                               uint64_t bits);

/* y = y (1 + d) for y from pp_pi_divide over the left range and d from
 * pp_pi_tail_ratio at y->bits: pi / 10 in fixed point, y->ulps grown by 2
 * (the floor of y d, the bits of y below |d|'s reach, d's own error). */
void pp_pi_apply_tail(pp_pi_fixed *y, const mpz_t dm, int64_t dexp);

/* The first n decimal digits of y (n bytes, no NUL), by a scaled remainder
 * tree: y is cut into the digits before and after a point by one product
 * with a power of ten, down to small pieces.  PP_EOVERFLOW when y is too
 * close to a cut for its error bound (a run of 9s or 0s), or has too few
 * bits for n digits. */
int pp_pi_to_decimal(const pp_pi_fixed *y, uint64_t n, char *out,
                     pp_error *err);

/* The same, spending y: its number is freed (left 0) as soon as it is
 * cut, which lowers the peak by its size. */
int pp_pi_to_decimal_own(pp_pi_fixed *y, uint64_t n, char *out,
                         pp_error *err);

/* Where pp_pi_to_decimal cuts n digits first (0 < h < n for n > 1): the
 * halves can run on two engines, joined by concatenation. */
uint64_t pp_pi_decimal_split_point(uint64_t n);

/* Splits y's n digits at h: left is y for digits [0, h), right is
 * frac(y 10^h) for digits [h, n); then
 *   pp_pi_to_decimal(left, h, out) and pp_pi_to_decimal(right, n - h,
 *   out + h)
 * write what pp_pi_to_decimal(y, n, out) writes.  PP_EOVERFLOW as above. */
int pp_pi_decimal_split(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                        pp_pi_fixed *left, pp_pi_fixed *right,
                        pp_error *err);

/* Where two engines should cut n digits (n >= 2) for
 * pp_pi_decimal_part, so that the two pieces take about as long: the
 * right one's product (and a cluster's y d) comes on top of its
 * conversion, a larger share as n grows (0.63 n up to 1e7 digits,
 * 0.65 n from 5e7 on). */
uint64_t pp_pi_decimal_halves_point(uint64_t n);

/* One piece of pp_pi_decimal_split: half 0 sets part to left, half 1 to
 * right, each costing only its own work (the left piece is a shift, the
 * right one a product by 5^h), so that two engines can each take one
 * piece of the same y.  The left piece's cut is checked where its last
 * digit is written, the right one's here.  PP_EOVERFLOW as above. */
int pp_pi_decimal_part(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                       int half, pp_pi_fixed *part, pp_error *err);

/* The left piece (half 0) of y (1 + dm 2^dexp) cut at h, for y and d as
 * pp_pi_apply_tail takes them: the same digits as pp_pi_apply_tail then
 * pp_pi_decimal_part, with one unit more in left->ulps, but only the
 * bits of y d that reach the left piece are computed (a product of a
 * tenth of y's size instead of half).  y is not changed. */
int pp_pi_decimal_left_tail(const pp_pi_fixed *y, const mpz_t dm,
                            int64_t dexp, uint64_t n, uint64_t h,
                            pp_pi_fixed *left, pp_error *err);

/* Where piece j of `pieces` starts (j = 0: 0, j = pieces: n), for a
 * conversion on that many engines: the later pieces are shorter, since
 * each also pays a product by 5^lo.  Two pieces: the halves point. */
uint64_t pp_pi_decimal_piece_point(uint64_t n, unsigned pieces, unsigned j);

/* The digits [lo, hi) of y's n digits (y (1 + dm 2^dexp) when dm is not
 * NULL, as pp_pi_apply_tail takes them) as a fixed-point value to convert
 * to hi - lo digits: the left piece at hi, then its right piece at lo.
 * The digits are those of the whole conversion or the call fails
 * (PP_EOVERFLOW); only the bits that reach the piece are multiplied. */
int pp_pi_decimal_piece(const pp_pi_fixed *y, const mpz_t dm, int64_t dexp,
                        uint64_t n, uint64_t lo, uint64_t hi,
                        pp_pi_fixed *part, pp_error *err);

/* pp_pi_decimal_part's right piece (half 1) with 5^h given (pow5, from
 * pp_pi_pow5_check'ed elsewhere): the same value, without computing the
 * power, so that an engine idle earlier can compute it. */
int pp_pi_decimal_right_pow(const pp_pi_fixed *y, uint64_t n, uint64_t h,
                            const mpz_t pow5, pp_pi_fixed *part,
                            pp_error *err);

/* Whether p is 5^k as far as a cheap check sees: its count of bits and
 * its remainders by two primes (a linear pass, no power computed).  A
 * wrong p would give wrong digits that no later check sees. */
bool pp_pi_pow5_check(const mpz_t p, uint64_t k);

/* ---- decimal digits packed for the wire ---------------------------------
 *
 * A piece of the conversion travels packed, nine digits in four bytes
 * (0.44 bytes a digit instead of 1): word j, four bytes little-endian, is
 * the whole number that digits [9j, 9j + 9) spell, the last word those
 * that remain (1 to 9 of them, so that the count fixes the size).  Words
 * of 32 bits: a 32-bit processor unpacks them without 64-bit divisions. */

/* The bytes of n packed digits: 4 ceil(n / 9). */
uint64_t pp_pi_packed_size(uint64_t n);

/* Packs n ASCII digits ('0' to '9') in place: buf's first
 * pp_pi_packed_size(n) bytes are then the packed form (a word is written
 * only after the digits it replaces are read). */
void pp_pi_digits_pack(char *buf, uint64_t n);

/* Unpacks `size` bytes into n ASCII digits at out.  PP_EPROTO and a
 * one-line message (naming `what`) when size is not
 * pp_pi_packed_size(n) or a word is not a number of its digits (above
 * 999999999, or the last one above 10^(its digits) - 1); out is then
 * partly written. */
int pp_pi_digits_unpack(const uint8_t *in, uint64_t size, uint64_t n,
                        char *out, const char *what, pp_error *err);

/* ---- one process, everything -------------------------------------------- */

/* Splits [0, pp_pi_terms(digits)) into `leaves` leaf ranges, runs
 * pp_pi_split on each, merges them in pp_pi_tree_mid's tree, then
 * pp_pi_finish.  The digits are byte identical for every `leaves`.
 * out has digits + 1 bytes.  PP_EINVAL for digits outside
 * [1, PP_PI_MAX_DIGITS] or leaves outside [1, terms]. */
int pp_pi_compute(uint64_t digits, unsigned leaves, char *out,
                  pp_error *err);

/* Time spent in each phase by pp_pi_compute_timed, seconds of wall time:
 * the leaves, the merges between leaves, the division Q / T, the square
 * root (pp_pi_sqrt_part and its product with Q / T) and the conversion to
 * decimal. */
struct pp_pi_times {
    double series, merge, sqrt, division, conversion;
};

/* pp_pi_compute that also reports its phases (times may be NULL). */
int pp_pi_compute_timed(uint64_t digits, unsigned leaves, char *out,
                        pp_pi_times *times, pp_error *err);

/* Memory a run needs at peak, in bytes, for `digits` digits: one process
 * doing everything (pp_pi_compute), the digit string included, with
 * pp_pi_tune_malloc called (without it glibc may keep up to half as much
 * again in freed blocks). */
uint64_t pp_pi_memory_estimate(uint64_t digits);

/* The same for one engine that computes leaf i of `leaves` and keeps its
 * P, Q, T (the larger of what a leaf of the run needs). */
uint64_t pp_pi_leaf_memory_estimate(uint64_t digits, unsigned leaves);

/* Hands the memory freed numbers still hold back to the system: the big
 * blocks pp_pi_tune_malloc's allocator keeps for reuse and glibc's heap
 * (malloc_trim).  pp_pi_compute and pp_pi_finish call it between their
 * phases; a task that has freed big numbers may call it too, so that its
 * next peak does not come on top of freed blocks. */
void pp_pi_give_back(void);

/* Makes GMP's (and so MPFR's) big numbers cheap to allocate, for the whole
 * process (pi_memory.c): blocks of 1 MB and more get mappings of their
 * own, aligned to and advised for transparent huge pages, grown in place
 * by mremap, and freed ones are kept for the next while the live and
 * kept blocks stay below the most the live ones have been.  Smaller
 * blocks stay in glibc's heap, whose mmap threshold is set to 1 MB so
 * that it does not grow to 32 MB and keep freed numbers, and its trim
 * threshold to 2 MB so that it does not give back and page in again its
 * top after each small product.  At 5e7 digits
 * in one process (bench/pi_bench): 0.35 million page faults and 2.3 s
 * of system time instead of 1.36 million and 3.4 s.
 * Process-wide, so the library never calls it: a program that computes
 * pi (an engine, pi_bench, the driver's --local run) calls it once at its
 * start, before any GMP number exists (blocks made before it are still
 * freed right, by malloc's free). */
void pp_pi_tune_malloc(void);

/* What the allocator holds, in bytes: its live big blocks, the freed ones
 * it keeps, and the most the live ones have been.  All 0 before
 * pp_pi_tune_malloc. */
typedef struct pp_pi_memory {
    uint64_t live, kept, high;
} pp_pi_memory;

void pp_pi_memory_stats(pp_pi_memory *m);

/* ---- user input --------------------------------------------------------- */

/* Parses a digit count as a user types it: "1000000", "150e6", "1.5e8",
 * "1e6".  Refuses zero, negatives, fractions ("1.5e0", "12.5"),
 * non-numbers and values above PP_PI_MAX_DIGITS with PP_EINVAL and a
 * one-line message naming the option and the value, e.g.
 * "--digits: '1.5' is not a whole number of digits". */
int pp_parse_digits(const char *option, const char *s, uint64_t *out,
                    pp_error *err);

#endif
