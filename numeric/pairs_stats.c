/* pairs_stats.c - chi-square of the pair counts and its p-value. */
#include <math.h>
#include <mpfr.h>

#include "pairs.h"

double pp_pairs_chi2(const uint64_t counts[100], double *p_value)
{
    uint64_t total = 0;
    for (int k = 0; k < 100; k++)
        total += counts[k];
    double expected = (double)total / 100, chi2 = 0;
    if (total > 0)
        for (int k = 0; k < 100; k++) {
            double d = (double)counts[k] - expected;
            chi2 += d * d / expected;
        }
    if (p_value)
        *p_value = pp_pairs_chi2_q(chi2, 99);
    return chi2;
}

/* log of an upper bound of Q(a, x) for x > a - 1 (and x > 0):
 * Gamma(a, x) <= x^(a-1) e^-x * x / (x - a + 1) when a >= 1, since
 * t^(a-1) e^-t falls at least as fast as e^-(t-x)(1 - (a-1)/x) past x;
 * and Gamma(a, x) <= x^(a-1) e^-x when a < 1. */
static double log_q_bound(double a, double x)
{
    double log_upper = (a - 1) * log(x) - x;
    if (a >= 1)
        log_upper += log(x / (x - a + 1));
    int sign;
    return log_upper - lgamma_r(a, &sign); /* lgamma would set signgam */
}

double pp_pairs_chi2_q(double chi2, int dof)
{
    if (dof < 1 || !(chi2 >= 0))
        return NAN;
    double a = dof / 2.0, x = chi2 / 2;
    if (isinf(x))
        return 0;
    /* MPFR's incomplete gamma slows down as x grows (for a = 49.5: 10 ms
     * at x = 900, 6 s at x = 1e4, about x^3), though the answer there is
     * far below the least double (4.9e-324 = e^-744.4): such an x gives 0
     * here, and MPFR is asked only where the answer is a double. */
    if (x > a + 1 && log_q_bound(a, x) < -750)
        return 0;
    mpfr_t ma, mx, upper, whole;
    mpfr_inits2(128, ma, mx, upper, whole, (mpfr_ptr)0);
    mpfr_set_d(ma, a, MPFR_RNDN); /* exact: a half-integer */
    mpfr_set_d(mx, x, MPFR_RNDN); /* exact: a double halved */
    mpfr_gamma_inc(upper, ma, mx, MPFR_RNDN);
    mpfr_gamma(whole, ma, MPFR_RNDN);
    mpfr_div(upper, upper, whole, MPFR_RNDN);
    double q = mpfr_get_d(upper, MPFR_RNDN);
    mpfr_clears(ma, mx, upper, whole, (mpfr_ptr)0);
    /* MPFR keeps constants per thread; an engine's threads come and go. */
    mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    return q;
}
