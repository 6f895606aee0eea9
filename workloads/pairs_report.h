/* pairs_report.h - what pi-pairs shows and saves: the 10x10 table on the
 * terminal, the CSV, and the article's figure drawn by gnuplot.  Every file
 * is written to a temporary name and renamed. */
#ifndef PP_PAIRS_REPORT_H
#define PP_PAIRS_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"

typedef struct pp_pairs_summary {
    uint64_t ndigits;
    uint64_t npairs; /* the sum of the counts */
    uint64_t counts[100];
    double chi2;
    double p_value;
    int most;  /* pair numbers 0..99 */
    int least;
} pp_pairs_summary;

void pp_pairs_summarize(const uint64_t counts[100], uint64_t ndigits,
                        pp_pairs_summary *s);

/* The table (rows: first digit, columns: second digit), the most and
 * least frequent pairs, N, the number of pairs and whether they sum to
 * N-1, chi-square and its p-value. */
void pp_pairs_print(FILE *f, const pp_pairs_summary *s);

/* "pair,count" then 100 lines "00,1500671" ... "99,...". */
int pp_pairs_write_csv(const char *path, const pp_pairs_summary *s,
                       pp_error *err);

/* Writes the data (path_gp with ".dat" for ".gp") and the gnuplot script
 * beside the PNG, then runs gnuplot: a 10x10 heat map of the counts (first
 * digit on the y axis, second on the x axis, each cell labelled with its
 * pair, a colour bar, titled with N) and a bar chart of the 100 counts with
 * the expected (N-1)/100 line.  Without gnuplot: PP_ENOENT, the data and
 * script written, and a message saying how to install it. */
int pp_pairs_plot(const char *path_gp, const char *path_png,
                  const pp_pairs_summary *s, pp_error *err);

/* Time and speedup against the number of engines. */
int pp_pairs_plot_scaling(const char *path_gp, const char *path_png,
                          uint64_t ndigits, const int *engines,
                          const double *seconds, size_t n, pp_error *err);

#endif
