/* pairs_stats.c - chi-square of the pair counts and its p-value. */
#include <mpfr.h>

#include "pairs.h"

double pp_pairs_chi2(const uint64_t counts[100], double *p_value)
{
    double total = 0;
    for (int k = 0; k < 100; k++)
        total += (double)counts[k];
    double expected = total / 100, chi2 = 0;
    if (expected > 0)
        for (int k = 0; k < 100; k++) {
            double d = (double)counts[k] - expected;
            chi2 += d * d / expected;
        }
    if (p_value) {
        /* Q(a, x) = Gamma(a, x) / Gamma(a), a = 99/2, x = chi2/2: MPFR's
         * incomplete gamma at 128 bits is far beyond what a double
         * shows. */
        mpfr_t a, x, up, full;
        mpfr_inits2(128, a, x, up, full, (mpfr_ptr)0);
        mpfr_set_d(a, 49.5, MPFR_RNDN);
        mpfr_set_d(x, chi2 / 2, MPFR_RNDN);
        mpfr_gamma_inc(up, a, x, MPFR_RNDN);
        mpfr_gamma(full, a, MPFR_RNDN);
        mpfr_div(up, up, full, MPFR_RNDN);
        *p_value = mpfr_get_d(up, MPFR_RNDN);
        mpfr_clears(a, x, up, full, (mpfr_ptr)0);
    }
    return chi2;
}
