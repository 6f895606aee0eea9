/* pi_bench.c - pp_pi_compute against MPFR, each in a child process of its
 * own so that each peak RSS is its own:
 *
 *   pi_bench DIGITS [LEAVES] [--no-mpfr | --mpfr-only] [--default-malloc]
 *
 * prints the wall time of pp_pi_compute with its phases (series, merge,
 * sqrt, division, conversion), its peak RSS (getrusage's ru_maxrss), its
 * user and system time and page faults (fresh memory's cost),
 * then the same for mpfr_const_pi + mpfr_get_str, and whether the digits
 * agree.  The pipar child calls pp_pi_tune_malloc first, as an engine
 * would (--default-malloc: not).  MPFR rounds in mpfr_get_str, so it is
 * asked for 20 digits more than wanted, toward zero, and cut. */
#include <mpfr.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pi.h"

typedef struct report {
    int rc;
    double total, phase[5];
    char msg[512];
    /* From the child's rusage: fresh memory's cost shows in these. */
    long faults;
    double user, sys;
} report;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_pipar(uint64_t digits, unsigned leaves, char *out,
                      report *r)
{
    pp_pi_times t = { 0 };
    pp_error err = { 0 };
    double t0 = now();
    r->rc = pp_pi_compute_timed(digits, leaves, out, &t, &err);
    r->total = now() - t0;
    r->phase[0] = t.series;
    r->phase[1] = t.merge;
    r->phase[2] = t.sqrt;
    r->phase[3] = t.division;
    r->phase[4] = t.conversion;
    snprintf(r->msg, sizeof r->msg, "%s", err.msg);
}

static void run_mpfr(uint64_t digits, char *out, report *r)
{
    double t0 = now();
    mpfr_t x;
    mpfr_init2(x, (mpfr_prec_t)((double)digits * 3.3219280948873623) + 128);
    mpfr_const_pi(x, MPFR_RNDZ);
    double t1 = now();
    mpfr_exp_t e;
    char *s = mpfr_get_str(NULL, &e, 10, digits + 20, x, MPFR_RNDZ);
    r->total = now() - t0;
    r->phase[0] = t1 - t0;
    r->phase[1] = r->total - r->phase[0];
    r->rc = 0;
    /* Both roundings go down by less than a unit of the last digit asked:
     * the cut is right unless a borrow crossed it, leaving 20 nines. */
    if (e != 1 || strspn(s + digits, "9") == 20) {
        r->rc = 1;
        snprintf(r->msg, sizeof r->msg, "MPFR's digits are ambiguous");
    }
    memcpy(out, s, digits);
    out[digits] = '\0';
    mpfr_free_str(s);
    mpfr_clear(x);
}

static bool tune_malloc = true;

/* Runs fn in a child; returns its peak RSS in bytes, or 0 if it died. */
static long in_child(int which, uint64_t digits, unsigned leaves, char *out,
                     report *r)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        if (which == 0) {
            if (tune_malloc)
                pp_pi_tune_malloc();
            run_pipar(digits, leaves, out, r);
        }
        else
            run_mpfr(digits, out, r);
        _exit(0);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status)
        || WEXITSTATUS(status) != 0)
        return 0;
    r->faults = ru.ru_minflt + ru.ru_majflt;
    r->user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6;
    r->sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
    return ru.ru_maxrss * 1024L;
}

/* Runs MPFR's const_pi + get_str in a child and prints its line. */
static int mpfr_reference(uint64_t digits, char *out, report *r)
{
    long rss = in_child(1, digits, 0, out, r);
    if (!rss || r->rc) {
        printf("mpfr: failed: %s\n", rss ? r->msg : "the child died");
        return 1;
    }
    printf("mpfr   %8.2f s  peak RSS %7.1f MB  (const_pi %.2f, get_str "
           "%.2f)\n",
           r->total, (double)rss / 1e6, r->phase[0], r->phase[1]);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t digits = 0;
    unsigned long leaves = 1;
    bool mpfr = true, pipar = true;
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-mpfr") == 0) {
            mpfr = false;
        } else if (strcmp(argv[i], "--mpfr-only") == 0) {
            pipar = false;
        } else if (strcmp(argv[i], "--default-malloc") == 0) {
            tune_malloc = false;
        } else if (pos == 0) {
            pp_error err = { 0 };
            if (pp_parse_digits("DIGITS", argv[i], &digits, &err)) {
                fprintf(stderr, "pi_bench: %s\n", err.msg);
                return 2;
            }
            pos++;
        } else if (pos == 1) {
            char *end;
            leaves = strtoul(argv[i], &end, 10);
            if (*end || leaves < 1 || leaves > 1u << 20) {
                fprintf(stderr, "pi_bench: LEAVES '%s' is not 1 to %u\n",
                        argv[i], 1u << 20);
                return 2;
            }
            pos++;
        } else {
            pos = 3;
        }
    }
    if (pos < 1 || pos > 2) {
        fprintf(stderr, "usage: pi_bench DIGITS [LEAVES] [--no-mpfr | "
                        "--mpfr-only] [--default-malloc]\n");
        return 2;
    }
    size_t size = 2 * (digits + 1) + 2 * sizeof(report);
    char *shared = mmap(NULL, size, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    report *rp = (report *)shared, *rm = rp + 1;
    char *dp = (char *)(rm + 1), *dm = dp + digits + 1;

    printf("pi_bench: %llu digits, %lu leaves, %llu terms, estimate %.0f MB\n",
           (unsigned long long)digits, leaves,
           (unsigned long long)pp_pi_terms(digits),
           (double)pp_pi_memory_estimate(digits) / 1e6);
    fflush(stdout);
    /* --mpfr-only: the reference alone, for bench/pi_digits beside a
     * cluster run. */
    if (!pipar)
        return mpfr_reference(digits, dm, rm) ? 1 : 0;
    long rss = in_child(0, digits, (unsigned)leaves, dp, rp);
    if (!rss || rp->rc) {
        printf("pipar: failed: %s\n", rss ? rp->msg : "the child died");
        return 1;
    }
    printf("pipar  %8.2f s  peak RSS %7.1f MB  (series %.2f, merge %.2f, "
           "sqrt %.2f, division %.2f, conversion %.2f)\n"
           "       user %.2f s  system %.2f s  page faults %ld\n",
           rp->total, (double)rss / 1e6, rp->phase[0], rp->phase[1],
           rp->phase[2], rp->phase[3], rp->phase[4], rp->user, rp->sys,
           rp->faults);
    fflush(stdout);
    if (!mpfr)
        return 0;
    if (mpfr_reference(digits, dm, rm))
        return 1;
    if (memcmp(dp, dm, digits) != 0) {
        size_t i = 0;
        while (dp[i] == dm[i])
            i++;
        printf("DIGITS DIFFER from digit %zu on\n", i + 1);
        return 1;
    }
    size_t tail = digits < 20 ? digits : 20;
    printf("digits identical; the last %zu: %s\n", tail, dp + digits - tail);
    return 0;
}
