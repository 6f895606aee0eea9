/* test_bigint.c - big integers to and from PP_T_BIGINT values: round trips,
 * the exact bytes of a few numbers, and every malformed value refused. */
#include <gmp.h>
#include <stdlib.h>

#include "bigint.h"
#include "unit.h"

static void put_word(unsigned char *p, uint64_t w)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(w >> (8 * i));
}

static void assert_round_trip(const mpz_t z)
{
    pp_value v;
    pp_error err = { 0 };
    assert_int_equal(pp_bigint_export(z, &v, &err), 0);
    assert_int_equal(v.type, PP_T_BIGINT);
    assert_int_equal(pp_value_check(&v, &err), 0);
    size_t limbs = mpz_sgn(z) ? (mpz_sizeinbase(z, 2) + 63) / 64 : 0;
    assert_int_equal(v.size, 8 + 8 * limbs);
    mpz_t back;
    mpz_init_set_ui(back, 12345); /* overwritten, whatever it held */
    assert_int_equal(pp_bigint_import(back, &v, &err), 0);
    if (mpz_cmp(back, z) != 0)
        fail_msg("round trip changed a %zu-bit number",
                 mpz_sizeinbase(z, 2));
    mpz_clear(back);
    pp_value_free(&v);
}

/* Exports z and compares with the words written out by hand. */
static void assert_words(const mpz_t z, const uint64_t *words, size_t n)
{
    unsigned char want[64];
    assert_true(n * 8 <= sizeof want);
    for (size_t i = 0; i < n; i++)
        put_word(want + 8 * i, words[i]);
    pp_value v;
    assert_int_equal(pp_bigint_export(z, &v, NULL), 0);
    assert_int_equal(v.size, n * 8);
    assert_memory_equal(v.data, want, n * 8);
    pp_value_free(&v);
}

static void small_numbers_have_the_documented_bytes(void **state)
{
    (void)state;
    mpz_t z;
    mpz_init(z);
    assert_words(z, (uint64_t[]){ 0 }, 1);
    mpz_set_ui(z, 1);
    assert_words(z, (uint64_t[]){ 1, 1 }, 2);
    mpz_set_si(z, -1);
    assert_words(z, (uint64_t[]){ UINT64_MAX, 1 }, 2);
    mpz_set_ui(z, 1);
    mpz_mul_2exp(z, z, 64); /* 2^64 */
    assert_words(z, (uint64_t[]){ 1, 0, 1 }, 3);
    mpz_neg(z, z);
    assert_words(z, (uint64_t[]){ UINT64_MAX, 0, 1 }, 3);
    mpz_set_str(z, "-1234567890abcdef1122334455667788", 16);
    assert_words(z,
                 (uint64_t[]){ UINT64_MAX, 0x1122334455667788ull,
                               0x1234567890abcdefull },
                 3);
    mpz_clear(z);
}

static void zero_one_minus_one_and_powers_of_two_round_trip(void **state)
{
    (void)state;
    mpz_t z;
    mpz_init(z);
    assert_round_trip(z);
    mpz_set_si(z, 1);
    assert_round_trip(z);
    mpz_set_si(z, -1);
    assert_round_trip(z);
    for (unsigned e = 0; e <= 256; e++) {
        mpz_set_ui(z, 1);
        mpz_mul_2exp(z, z, e);
        assert_round_trip(z);
        mpz_sub_ui(z, z, 1);
        assert_round_trip(z);
        mpz_neg(z, z);
        assert_round_trip(z);
    }
    /* -(2^200 + 5) */
    mpz_set_ui(z, 1);
    mpz_mul_2exp(z, z, 200);
    mpz_add_ui(z, z, 5);
    mpz_neg(z, z);
    assert_round_trip(z);
    pp_value v;
    assert_int_equal(pp_bigint_export(z, &v, NULL), 0);
    assert_int_equal(v.size, 8 + 4 * 8);
    const unsigned char *p = v.data;
    for (int i = 0; i < 8; i++)
        assert_int_equal(p[i], 0xff); /* sign -1 */
    assert_int_equal(p[8], 5);         /* lowest limb 5 */
    assert_int_equal(p[8 + 3 * 8], 0); /* top limb 2^8: bytes 0, 1 */
    assert_int_equal(p[8 + 3 * 8 + 1], 1);
    pp_value_free(&v);
    mpz_clear(z);
}

static void random_numbers_of_many_sizes_round_trip(void **state)
{
    (void)state;
    gmp_randstate_t rs;
    gmp_randinit_default(rs);
    gmp_randseed_ui(rs, 20240601);
    mpz_t z;
    mpz_init(z);
    for (int i = 0; i < 300; i++) {
        unsigned long bits = gmp_urandomm_ui(rs, 20000) + 1;
        if (i % 3)
            mpz_urandomb(z, rs, bits);
        else
            mpz_rrandomb(z, rs, bits); /* long runs of 0s and 1s */
        if (i % 2)
            mpz_neg(z, z);
        assert_round_trip(z);
    }
    /* One big one: 2^22 bits. */
    mpz_urandomb(z, rs, 1ul << 22);
    mpz_neg(z, z);
    assert_round_trip(z);
    mpz_clear(z);
    gmp_randclear(rs);
}

static void assert_refused(const uint64_t *words, size_t n, const char *want)
{
    unsigned char bytes[64];
    for (size_t i = 0; i < n; i++)
        put_word(bytes + 8 * i, words[i]);
    pp_value v;
    pp_value_borrow(&v, PP_T_BIGINT, bytes, n * 8);
    mpz_t z;
    mpz_init_set_ui(z, 77);
    pp_error err = { 0 };
    assert_int_equal(pp_bigint_import(z, &v, &err), PP_EPROTO);
    assert_int_equal(err.code, PP_EPROTO);
    assert_contains(err.msg, "bigint");
    assert_contains(err.msg, want);
    assert_int_equal(mpz_cmp_ui(z, 77), 0); /* left as it was */
    mpz_clear(z);
}

static void malformed_values_are_refused(void **state)
{
    (void)state;
    assert_refused((uint64_t[]){ 2, 1 }, 2, "sign word 0x2");
    assert_refused((uint64_t[]){ UINT64_MAX - 1, 1 }, 2, "is not -1, 0 or 1");
    assert_refused((uint64_t[]){ 0x100, 1 }, 2, "is not -1, 0 or 1");
    assert_refused((uint64_t[]){ 0, 0 }, 2, "zero with 1 words");
    assert_refused((uint64_t[]){ 0, 5 }, 2, "zero with 1 words");
    assert_refused((uint64_t[]){ 1 }, 1, "without any words");
    assert_refused((uint64_t[]){ UINT64_MAX }, 1, "without any words");
    assert_refused((uint64_t[]){ 1, 5, 0 }, 3, "top word of 2 is zero");
    assert_refused((uint64_t[]){ UINT64_MAX, 0 }, 2, "top word of 1 is zero");
}

static void wrong_types_and_sizes_are_refused(void **state)
{
    (void)state;
    unsigned char bytes[24] = { 1, 0, 0, 0, 0, 0, 0, 0, 7 };
    mpz_t z;
    mpz_init_set_ui(z, 77);
    pp_error err = { 0 };
    pp_value v;
    pp_value_borrow(&v, PP_T_BYTES, bytes, 16);
    assert_int_equal(pp_bigint_import(z, &v, &err), PP_EPROTO);
    assert_contains(err.msg, "type bytes");
    pp_value_borrow(&v, PP_T_I64, bytes, 16);
    assert_int_equal(pp_bigint_import(z, &v, &err), PP_EPROTO);
    assert_contains(err.msg, "type i64");
    size_t bad[] = { 0, 1, 4, 7, 9, 12, 15, 23 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp_value_borrow(&v, PP_T_BIGINT, bytes, bad[i]);
        pp_error_clear(&err);
        assert_int_equal(pp_bigint_import(z, &v, &err), PP_EPROTO);
        assert_contains(err.msg, "is not a sign word and whole words");
    }
    assert_int_equal(mpz_cmp_ui(z, 77), 0);
    /* The same bytes, well formed: 7. */
    pp_value_borrow(&v, PP_T_BIGINT, bytes, 16);
    assert_int_equal(pp_bigint_import(z, &v, NULL), 0);
    assert_int_equal(mpz_cmp_ui(z, 7), 0);
    mpz_clear(z);
}

static void an_unaligned_value_imports(void **state)
{
    (void)state;
    /* Values come out of network frames at any address. */
    unsigned char buf[1 + 24];
    put_word(buf + 1, UINT64_MAX);
    put_word(buf + 9, 3);
    put_word(buf + 17, 2);
    pp_value v;
    pp_value_borrow(&v, PP_T_BIGINT, buf + 1, 24);
    mpz_t z, want;
    mpz_inits(z, want, NULL);
    assert_int_equal(pp_bigint_import(z, &v, NULL), 0);
    mpz_set_ui(want, 2);
    mpz_mul_2exp(want, want, 64);
    mpz_add_ui(want, want, 3);
    mpz_neg(want, want);
    assert_int_equal(mpz_cmp(z, want), 0);
    mpz_clears(z, want, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_numbers_have_the_documented_bytes),
        cmocka_unit_test(zero_one_minus_one_and_powers_of_two_round_trip),
        cmocka_unit_test(random_numbers_of_many_sizes_round_trip),
        cmocka_unit_test(malformed_values_are_refused),
        cmocka_unit_test(wrong_types_and_sizes_are_refused),
        cmocka_unit_test(an_unaligned_value_imports),
    };
    return cmocka_run_group_tests_name("bigint", tests, NULL, NULL);
}
