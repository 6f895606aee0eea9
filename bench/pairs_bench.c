/* pairs_bench.c - speed of the pair-counting kernel over MB million digits
 * (the cached digits of pi when data/pi-N.txt is there, else random ones),
 * next to the naive loop and memcpy over the same buffer, in one run.
 *
 * usage: pairs_bench [MB] [DIGITS_FILE] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pairs.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc > 1 ? atof(argv[1]) : 150) * 1000000;
    char *digits = malloc(n), *copy = malloc(n);
    if (!digits || !copy) {
        fprintf(stderr, "no memory for %zu digits\n", n);
        return 1;
    }
    const char *source = "random digits";
    int fd = argc > 2 ? open(argv[2], O_RDONLY) : -1;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && (size_t)st.st_size >= n
        && read(fd, digits, n) == (ssize_t)n) {
        source = argv[2];
    } else {
        srand(1);
        for (size_t i = 0; i < n; i++)
            digits[i] = (char)('0' + rand() % 10);
    }
    if (fd >= 0)
        close(fd);
    double best_fast = 1e9, best_naive = 1e9, best_copy = 1e9;
    uint64_t fast[100], slow[100];
    for (int round = 0; round < 3; round++) {
        memset(fast, 0, sizeof fast);
        memset(slow, 0, sizeof slow);
        double t0 = now();
        pp_pairs_count(digits, n, fast, NULL);
        double t1 = now();
        pp_pairs_count_naive(digits, n, slow, NULL);
        double t2 = now();
        memcpy(copy, digits, n);
        double t3 = now();
        if (t1 - t0 < best_fast)
            best_fast = t1 - t0;
        if (t2 - t1 < best_naive)
            best_naive = t2 - t1;
        if (t3 - t2 < best_copy)
            best_copy = t3 - t2;
    }
    if (memcmp(fast, slow, sizeof fast)) {
        fprintf(stderr, "the kernel and the naive loop disagree\n");
        return 1;
    }
    double gb = (double)n / 1e9;
    printf("%zu digits (%s), best of 3, one thread:\n", n, source);
    printf("  memcpy       %6.2f GB/s\n", gb / best_copy);
    printf("  pairs kernel %6.2f GB/s  (%.0f%% of memcpy)\n", gb / best_fast,
           100 * best_copy / best_fast);
    printf("  naive loop   %6.2f GB/s  (%.0f%% of memcpy)\n", gb / best_naive,
           100 * best_copy / best_naive);
    free(digits);
    free(copy);
    return 0;
}
