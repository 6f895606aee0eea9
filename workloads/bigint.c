/* bigint.c - big integers to and from PP_T_BIGINT values. */
#include "bigint.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void put_word(unsigned char *p, uint64_t w)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(w >> (8 * i));
}

static uint64_t get_word(const unsigned char *p)
{
    uint64_t w = 0;
    for (int i = 0; i < 8; i++)
        w |= (uint64_t)p[i] << (8 * i);
    return w;
}

int pp_bigint_export(const mpz_t z, pp_value *out, pp_error *err)
{
    size_t words = (mpz_sizeinbase(z, 2) + 63) / 64;
    if (mpz_sgn(z) == 0)
        words = 0;
    unsigned char *data = malloc(8 + 8 * words);
    if (!data) {
        memset(out, 0, sizeof *out);
        return pp_error_set(err, PP_ENOMEM,
                            "bigint: no memory for %zu words", words + 1);
    }
    put_word(data, (uint64_t)(int64_t)mpz_sgn(z));
    size_t count = 0;
    /* Words of 8 bytes, least significant first, little-endian: on a
     * 64-bit little-endian machine that is the limbs as they are. */
    if (words)
        mpz_export(data + 8, &count, -1, 8, -1, 0, z);
    pp_value_take(out, PP_T_BIGINT, data, 8 + 8 * count);
    return 0;
}

int pp_bigint_import(mpz_t z, const pp_value *v, pp_error *err)
{
    if (v->type != PP_T_BIGINT)
        return pp_error_set(err, PP_EPROTO, "bigint: got a value of type %s",
                            pp_type_name(v->type));
    if (v->size < 8 || v->size % 8)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: %zu bytes is not a sign word and whole "
                            "words",
                            v->size);
    const unsigned char *p = v->data;
    uint64_t sign = get_word(p);
    size_t words = v->size / 8 - 1;
    if (sign != 0 && sign != 1 && sign != UINT64_MAX)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: sign word 0x%llx is not -1, 0 or 1",
                            (unsigned long long)sign);
    if (sign == 0 && words)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: zero with %zu words after its sign",
                            words);
    if (sign != 0 && words == 0)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: sign %s without any words",
                            sign == 1 ? "1" : "-1");
    if (words && get_word(p + 8 * words) == 0)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: top word of %zu is zero", words);
    /* An mpz_t counts its limbs in an int. */
    if (words > (size_t)INT_MAX)
        return pp_error_set(err, PP_EPROTO,
                            "bigint: %zu words is too big for GMP", words);
    if (words == 0) {
        mpz_set_ui(z, 0);
        return 0;
    }
    mpz_import(z, words, -1, 8, -1, 0, p + 8);
    if (sign == UINT64_MAX)
        mpz_neg(z, z);
    return 0;
}
