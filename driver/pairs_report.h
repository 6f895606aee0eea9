/* pairs_report.h - what pi-pairs shows and saves: the 10x10 table on the
 * terminal, the CSV, and the article's figure drawn by gnuplot.  Every
 * file is written whole or not at all (a temporary name, then rename), and
 * no temporary file is left behind, also on failure.  Paths are borrowed;
 * nothing is kept between calls. */
#ifndef PP_PAIRS_REPORT_H
#define PP_PAIRS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipar/error.h"

typedef struct pp_pairs_summary {
    uint64_t ndigits;
    uint64_t npairs; /* the sum of the counts: N-1 when none was lost */
    uint64_t counts[100];
    double chi2;    /* against uniform, 99 degrees of freedom */
    double p_value;
    int most;  /* pair numbers 0..99; the first of equals */
    int least;
} pp_pairs_summary;

/* Fills s from the counts of the pairs of the first ndigits digits;
 * counts may be s->counts. */
void pp_pairs_summarize(const uint64_t counts[100], uint64_t ndigits,
                        pp_pairs_summary *s);

/* The table (rows: first digit 0-9, columns: second digit 0-9, aligned),
 * the most and least frequent pairs, N, the number of pairs and a check
 * line, "digits: 150,000,000, pairs: 149,999,999 = N-1 (check passed)" or
 * "... != N-1 (CHECK FAILED: ...)", then chi-square and its p-value. */
void pp_pairs_print(FILE *f, const pp_pairs_summary *s);

/* "pair,count" then 100 lines "00,1500671" ... "99,...". */
int pp_pairs_write_csv(const char *path, const pp_pairs_summary *s,
                       pp_error *err);

/* The article's figure.  Writes the data (path_gp less ".gp", plus ".dat")
 * and the gnuplot script path_gp, then runs gnuplot, which writes path_png
 * under a temporary name renamed once it succeeded: a 10x10 heat map of
 * the counts (first digit down the y axis, second along the x axis, each
 * cell labelled with its pair and count, a colour bar, titled "Two-digit
 * sequences in the first 150,000,000 digits of pi") beside a bar chart of
 * the 100 counts with the expected (N-1)/100 as a line.  pngcairo when
 * gnuplot has it, else png.  The script finds its data beside itself, so
 * `gnuplot results/pi-pairs-N.gp` redraws the figure from anywhere.
 *
 * Without gnuplot on PATH: PP_ENOENT, "gnuplot is not installed: the data
 * is in X and the script in Y; install it with: sudo apt-get install
 * gnuplot-nox", the data and script written all the same.  When gnuplot
 * fails: PP_EIO with gnuplot's own line about it.  A path with a single
 * quote or a newline cannot go into a script: PP_EINVAL. */
int pp_pairs_plot(const char *path_gp, const char *path_png,
                  const pp_pairs_summary *s, pp_error *err);

/* The scaling figure, the same way: time and speedup against the number
 * of engines (engines[i] took seconds[i], n points, n >= 1), titled with
 * N.  The speedup of point i is seconds[0] * engines[0] / seconds[i]: the
 * first point is taken as scaling perfectly.  PP_EINVAL for no points, an
 * engine count below 1 or a time that is not positive. */
int pp_pairs_plot_scaling(const char *path_gp, const char *path_png,
                          uint64_t ndigits, const int *engines,
                          const double *seconds, size_t n, pp_error *err);

#endif
