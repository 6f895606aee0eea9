/* gmp64.h - uint64_t operands for GMP's _ui functions on every target.
 *
 * GMP's mpz_*_ui functions take an unsigned long: 64 bits on x86-64 and
 * arm64, but 32 bits on 32-bit armhf (Raspberry Pi OS 32-bit), where a
 * uint64_t passed to them is cut to its low half without a word from the
 * compiler.  These take a uint64_t and, where unsigned long is narrower,
 * go through a full mpz. */
#ifndef PP_GMP64_H
#define PP_GMP64_H

#include <limits.h>
#include <stdint.h>

#include <gmp.h>

static inline void pp_mpz_set_u64(mpz_t r, uint64_t v)
{
#if ULONG_MAX >= UINT64_MAX
    mpz_set_ui(r, (unsigned long)v);
#else
    mpz_set_ui(r, (unsigned long)(v >> 32));
    mpz_mul_2exp(r, r, 32);
    mpz_add_ui(r, r, (unsigned long)(v & 0xffffffffu));
#endif
}

static inline void pp_mpz_mul_u64(mpz_t r, const mpz_t a, uint64_t v)
{
#if ULONG_MAX >= UINT64_MAX
    mpz_mul_ui(r, a, (unsigned long)v);
#else
    if (v <= ULONG_MAX) {
        mpz_mul_ui(r, a, (unsigned long)v);
        return;
    }
    mpz_t t;
    mpz_init(t);
    pp_mpz_set_u64(t, v);
    mpz_mul(r, a, t);
    mpz_clear(t);
#endif
}

#endif
