/* hmac_bench.c - throughput of the message signature (HMAC-SHA256 in
 * core/sign.c over OpenSSL's SHA-256 block function) per message size:
 *
 *   hmac_bench [MB] [REPS]
 *
 * Signs one frame of 64 B, 1 KiB, 64 KiB, 1 MiB and MB MiB (default 16)
 * with pp_sign, repeated for about 0.3 s per size, best of REPS (default
 * 3), and prints MB/s (1e6 bytes) and ns per byte.  Which SHA-256 code
 * OpenSSL runs is its choice by CPU: to measure the software path a
 * Raspberry Pi 4 runs (its Cortex-A72 has no SHA instructions), turn the
 * instructions off with OpenSSL's own variables, e.g. on x86-64
 * OPENSSL_ia32cap=':~0x20000000' (no SHA-NI) or
 * OPENSSL_ia32cap='~0x1000020000000000:~0x20000020' (no SHA-NI, AVX2,
 * AVX, SSSE3: OpenSSL's plain integer code, the x86 counterpart of what a
 * Pi 4 runs), and on arm64 OPENSSL_armcap=0 (no SHA-2 nor NEON code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sign.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t big_mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 16;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (big_mb < 1 || reps < 1) {
        fprintf(stderr, "usage: hmac_bench [MB >= 1] [REPS >= 1]\n");
        return 2;
    }
    size_t sizes[] = { 64, 1024, 64 * 1024, 1024 * 1024, big_mb << 20 };
    size_t nsizes = sizeof sizes / sizeof sizes[0];
    uint8_t *buf = malloc(sizes[nsizes - 1]);
    if (!buf) {
        perror("hmac_bench");
        return 1;
    }
    for (size_t i = 0; i < sizes[nsizes - 1]; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 24);
    uint8_t key[PP_KEY_SIZE];
    memset(key, 7, sizeof key);
    pp_error err = { 0 };
    pp_signer *s = pp_signer_new(key, sizeof key, &err);
    if (!s) {
        fprintf(stderr, "hmac_bench: %s\n", err.msg);
        return 1;
    }
    printf("%12s %10s %9s\n", "bytes", "MB/s", "ns/byte");
    uint8_t sig[PP_SIG_SIZE];
    unsigned sink = 0;
    for (size_t k = 0; k < nsizes; k++) {
        pp_span span = { buf, sizes[k] };
        double best = 0;
        for (int r = 0; r < reps; r++) {
            size_t calls = 0;
            double t0 = now(), t;
            do {
                pp_sign(s, &span, 1, sig);
                sink += sig[0];
                calls++;
                t = now() - t0;
            } while (t < 0.3);
            double rate = (double)calls * (double)sizes[k] / t;
            if (rate > best)
                best = rate;
        }
        printf("%12zu %10.1f %9.3f\n", sizes[k], best / 1e6, 1e9 / best);
    }
    pp_signer_destroy(&s);
    free(buf);
    return sink == 12345u ? 3 : 0; /* keeps the signatures alive */
}
