/* pairs.h - counting the overlapping two-digit pairs of a run of decimal
 * digits, and cutting N digits into chunks that overlap by one digit so
 * that every pair is counted exactly once.  Pure functions. */
#ifndef PP_PAIRS_H
#define PP_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Adds the pairs of digits[0..n) to counts: pair i is (digits[i],
 * digits[i+1]) for i in [0, n-1), n-1 pairs (none when n < 2), counted in
 * counts[10 * first + second].  digits are ASCII '0'..'9'; any other byte
 * is PP_EINVAL naming its offset, and counts are then left unchanged. */
int pp_pairs_count(const char *digits, size_t n, uint64_t counts[100],
                   pp_error *err);

/* The obvious loop, the reference for tests and the benchmark. */
int pp_pairs_count_naive(const char *digits, size_t n, uint64_t counts[100],
                         pp_error *err);

/* Chunks of `chunk` pairs over N digits: chunk i holds the pairs starting
 * at [i*chunk, min((i+1)*chunk, N-1)) and so reads digits [offset,
 * offset+length) with one extra digit at its end.  pp_pairs_chunks gives
 * ceil((N-1)/chunk) (0 when N < 2); chunk >= 1. */
size_t pp_pairs_chunks(uint64_t ndigits, uint64_t chunk);
void pp_pairs_chunk(uint64_t ndigits, uint64_t chunk, size_t i,
                    uint64_t *offset, uint64_t *length);

/* Pearson's chi-square of the counts against the uniform expectation
 * total/100, with 99 degrees of freedom, and (when p_value is not NULL)
 * its p-value Q(99/2, chi2/2), the regularized upper incomplete gamma
 * function, from MPFR. */
double pp_pairs_chi2(const uint64_t counts[100], double *p_value);

#endif
