/* pairs.h - counting the overlapping two-digit pairs of a run of decimal
 * digits, cutting N digits into chunks that overlap by one digit so that
 * every pair is counted exactly once, and the chi-square test of the
 * counts.  Pure functions: no files, no sockets, no global state that a
 * caller can see; safe to call from several threads at once. */
#ifndef PP_PAIRS_H
#define PP_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "pipar/error.h"

/* Adds the pairs of digits[0..n) to counts: pair i is (digits[i],
 * digits[i+1]) for i in [0, n-1), n-1 pairs (none when n < 2), counted in
 * counts[10 * first + second].  Adds, so that the chunks of one run
 * accumulate into one array.  digits are ASCII '0'..'9' (no NUL needed);
 * any other byte is PP_EINVAL naming the offset of the first such byte,
 * and counts are then left as they were.  Borrows digits; keeps nothing. */
int pp_pairs_count(const char *digits, size_t n, uint64_t counts[100],
                   pp_error *err);

/* The obvious loop, the reference for tests and the benchmark.  Same
 * contract as pp_pairs_count. */
int pp_pairs_count_naive(const char *digits, size_t n, uint64_t counts[100],
                         pp_error *err);

/* Chunks of `chunk` pairs over N digits: chunk i holds the pairs starting
 * at [lo, hi) = [i*chunk, min((i+1)*chunk, N-1)) and so reads digits
 * [lo, hi+1), one digit more than it has pairs: the first digit of the
 * next chunk.  pp_pairs_chunks gives ceil((N-1)/chunk) (0 when N < 2 or
 * chunk is 0).  pp_pairs_chunk gives offset = lo and length = hi+1-lo;
 * for an i past the last chunk it gives an empty chunk at N-1 (or 0). */
size_t pp_pairs_chunks(uint64_t ndigits, uint64_t chunk);
void pp_pairs_chunk(uint64_t ndigits, uint64_t chunk, size_t i,
                    uint64_t *offset, uint64_t *length);

/* Pearson's chi-square of the counts against the uniform expectation
 * total/100, with 99 degrees of freedom, and (when p_value is not NULL)
 * its p-value pp_pairs_chi2_q(chi2, 99).  No pairs at all is chi-square 0,
 * p-value 1: nothing departs from uniform. */
double pp_pairs_chi2(const uint64_t counts[100], double *p_value);

/* P(X >= chi2) for X chi-square with dof degrees of freedom: Q(dof/2,
 * chi2/2), the regularized upper incomplete gamma function, from MPFR
 * (mpfr_gamma_inc / mpfr_gamma, correctly rounded at 128 bits).  Where the
 * answer is below the smallest double it is 0 without asking MPFR, whose
 * incomplete gamma takes minutes for large arguments.  NaN for dof < 1 or
 * a chi2 that is negative or NaN. */
double pp_pairs_chi2_q(double chi2, int dof);

#endif
