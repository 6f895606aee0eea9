/* pairs_bench.c - speed of the pair-counting kernel on one thread, against
 * the naive loop and against memcpy over the same buffer in the same run:
 *
 *   pairs_bench [MB] [REPS]
 *
 * MB million digits (default 150, the article's figure), taken from the
 * cached data/pi-<N>.txt when one with enough digits is there, else from a
 * fixed-seed generator.  Each kernel runs REPS times (default 5), the three
 * interleaved so that a noisy neighbour hurts them alike; the best time of
 * each is reported, in GB/s of digits read (GB = 1e9 bytes).  The counts of
 * the kernel and of the naive loop must agree, or the run fails. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digits.h"
#include "pairs.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Uniform digits from xorshift64*: the top bits of r * 10 are a digit. */
static void random_digits(char *d, size_t n)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < n;) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t r = x * 0x2545F4914F6CDD1Du;
        for (int k = 0; k < 8 && i < n; k++) {
            /* The high word of r * 10 in 32-bit halves (armhf has no
             * __int128): the same digits on every target. */
            uint64_t t = (r >> 32) * 10 + (((r & 0xffffffffu) * 10) >> 32);
            d[i++] = (char)('0' + (int)(t >> 32));
            r *= 10;
        }
    }
}

/* Real digits when the cache has them; the source is described in from. */
static void fill(char *d, size_t n, char *from, size_t size)
{
    pp_digits *pi = NULL;
    pp_error err = { 0 };
    if (pp_digits_open("data", n, &pi, &err) == 0) {
        memcpy(d, pp_digits_data(pi), n);
        snprintf(from, size, "digits of pi from %s", pp_digits_path(pi));
        pp_digits_close(&pi);
        return;
    }
    random_digits(d, n);
    snprintf(from, size, "random digits (no data/pi-N.txt with %zu digits)",
             n);
}

int main(int argc, char **argv)
{
    double mb = argc > 1 ? strtod(argv[1], NULL) : 150;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (!(mb > 0 && mb <= 100000) || reps < 1) {
        fprintf(stderr, "usage: pairs_bench [MB] [REPS]\n");
        return 2;
    }
    size_t n = (size_t)(mb * 1e6);
    char *src = malloc(n), *dst = malloc(n);
    if (!src || !dst) {
        fprintf(stderr, "pairs_bench: cannot allocate 2 x %zu bytes\n", n);
        return 1;
    }
    char from[PP_PATH_MAX + 64];
    fill(src, n, from, sizeof from);
    memset(dst, 1, n); /* fault the pages in before memcpy is timed */
    printf("pairs_bench: %zu digits, %s, best of %d\n", n, from, reps);

    double best[3] = { 1e30, 1e30, 1e30 };
    uint64_t fast[100], slow[100];
    pp_error err = { 0 };
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        memcpy(dst, src, n);
        double t1 = now();
        memset(fast, 0, sizeof fast);
        int rc = pp_pairs_count(src, n, fast, &err);
        double t2 = now();
        memset(slow, 0, sizeof slow);
        rc = rc ? rc : pp_pairs_count_naive(src, n, slow, &err);
        double t3 = now();
        if (rc) {
            fprintf(stderr, "pairs_bench: %s\n", err.msg);
            return 1;
        }
        if (memcmp(fast, slow, sizeof fast) || dst[n / 2] != src[n / 2]) {
            fprintf(stderr, "pairs_bench: the kernel and the naive loop "
                            "disagree\n");
            return 1;
        }
        double t[3] = { t1 - t0, t2 - t1, t3 - t2 };
        for (int k = 0; k < 3; k++)
            if (t[k] < best[k])
                best[k] = t[k];
    }
    static const char *names[3] = { "memcpy", "pp_pairs_count",
                                     "pp_pairs_count_naive" };
    for (int k = 0; k < 3; k++)
        printf("%-22s %7.3f GB/s  (%.4f s)\n", names[k],
               (double)n / best[k] / 1e9, best[k]);
    printf("count/memcpy %.1f%%   naive/memcpy %.1f%%   count/naive %.2fx\n",
           100 * best[0] / best[1], 100 * best[0] / best[2],
           best[2] / best[1]);
    printf("check: %" PRIu64 " pairs, 00: %" PRIu64 ", 14: %" PRIu64
           ", 99: %" PRIu64 "\n",
           (uint64_t)n - 1, fast[0], fast[14], fast[99]);
    free(src);
    free(dst);
    return 0;
}
