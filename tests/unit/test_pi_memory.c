/* test_pi_memory.c - GMP's allocator for big numbers (pp_pi_tune_malloc):
 * numbers keep their value across the 1 MB line both ways and through
 * growth in place, a number made before the allocator is still freed
 * right, freed blocks are reused without lifting the live and kept
 * blocks above the most the live ones have been, pp_pi_give_back empties
 * the pool, and pi computed on it has MPFR's digits. */
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>

#include "pi.h"
#include "unit.h"

#define MB (1u << 20)

/* Made before the allocator is installed (in main): malloc's blocks. */
static mpz_t before;

/* x = a pattern of `bits` bits that any lost or moved limb would change:
 * 3^k, cut to size. */
static void pattern(mpz_t x, mp_bitcnt_t bits)
{
    mpz_ui_pow_ui(x, 3, (unsigned long)(bits * 0.631) + 1);
    mpz_tdiv_r_2exp(x, x, bits);
}

static void assert_invariant(void)
{
    pp_pi_memory m;
    pp_pi_memory_stats(&m);
    if (m.live + m.kept > m.high)
        fail_msg("live %llu + kept %llu > high %llu",
                 (unsigned long long)m.live, (unsigned long long)m.kept,
                 (unsigned long long)m.high);
}

static void numbers_keep_their_value_across_sizes(void **state)
{
    (void)state;
    mpz_t x, want;
    mpz_inits(x, want, NULL);
    /* Small, then past 1 MB (a new mapping), past a huge page (mremap),
     * far past it (mremap, moved), then back below 1 MB (malloc again). */
    static const mp_bitcnt_t sizes[] = { 1000, 9u * MB, 30u * MB,
                                         200u * MB, 4000 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        pattern(want, sizes[i] - 64);
        mpz_set(x, want);
        mpz_mul_2exp(x, x, 64); /* low limbs of 0 */
        mpz_realloc2(x, sizes[i] * 2); /* grows (or shrinks) the block */
        mpz_tdiv_q_2exp(x, x, 64);
        assert_true(mpz_cmp(x, want) == 0);
        mpz_realloc2(x, sizes[i]);
        assert_true(mpz_cmp(x, want) == 0);
        assert_invariant();
    }
    mpz_clears(x, want, NULL);
}

static void a_number_made_before_the_allocator_is_freed_right(void **state)
{
    (void)state;
    mpz_t want;
    mpz_init(want);
    pattern(want, 16u * MB);
    assert_true(mpz_cmp(before, want) == 0);
    pp_pi_memory m0, m1;
    pp_pi_memory_stats(&m0);
    /* Growing it moves it into a mapping of the allocator's... */
    mpz_realloc2(before, 40u * MB);
    assert_true(mpz_cmp(before, want) == 0);
    pp_pi_memory_stats(&m1);
    assert_true(m1.live >= m0.live + 5u * MB);
    /* ... and freeing it gives that back. */
    mpz_clear(before);
    pp_pi_give_back();
    pp_pi_memory_stats(&m1);
    assert_int_equal(m1.live, m0.live);
    assert_int_equal(m1.kept, 0);
    mpz_clear(want);
}

static void freed_blocks_are_reused_below_the_high_mark(void **state)
{
    (void)state;
    pp_pi_give_back();
    enum { N = 8 };
    mpz_t z[N];
    pp_pi_memory m0, m;
    pp_pi_memory_stats(&m0);
    for (int i = 0; i < N; i++) {
        mpz_init2(z[i], 32u * MB); /* 4 MB each */
        mpz_setbit(z[i], 32u * MB - 1);
        assert_invariant();
    }
    pp_pi_memory_stats(&m);
    assert_true(m.live >= m0.live + N * 4u * MB);
    assert_true(m.high >= m.live);
    for (int i = 1; i < N; i++) {
        mpz_clear(z[i]);
        assert_invariant();
    }
    pp_pi_memory kept;
    pp_pi_memory_stats(&kept);
    /* 28 MB freed beside 4 MB live, from a high of 32: some is kept. */
    assert_true(kept.kept >= 4u * MB);
    mpz_t again;
    mpz_init2(again, 32u * MB);
    pp_pi_memory_stats(&m);
    /* The new number is a kept block: fresh pages were not needed. */
    assert_true(m.kept < kept.kept);
    assert_true(m.live > kept.live);
    assert_int_equal(m.high, kept.high);
    assert_invariant();
    pp_pi_give_back();
    pp_pi_memory_stats(&m);
    assert_int_equal(m.kept, 0);
    mpz_clears(again, z[0], NULL);
    pp_pi_memory_stats(&m);
    assert_int_equal(m.live, m0.live);
}

static void pi_on_the_allocator_has_mpfrs_digits(void **state)
{
    (void)state;
    /* 700000 digits: products past 1 MB, so big blocks come and go. */
    enum { DIGITS = 700000 };
    char *got = malloc(DIGITS + 1);
    assert_non_null(got);
    pp_error err = { 0 };
    assert_int_equal(pp_pi_compute(DIGITS, 3, got, &err), 0);
    mpfr_t x;
    mpfr_init2(x, (mpfr_prec_t)(DIGITS * 3.3219280948873623) + 128);
    mpfr_const_pi(x, MPFR_RNDZ);
    mpfr_exp_t e;
    char *s = mpfr_get_str(NULL, &e, 10, DIGITS + 20, x, MPFR_RNDZ);
    assert_non_null(s);
    assert_int_equal(e, 1);
    assert_true(strspn(s + DIGITS, "9") < 20);
    assert_memory_equal(got, s, DIGITS);
    assert_int_equal(got[DIGITS], '\0');
    mpfr_free_str(s);
    mpfr_clear(x);
    mpfr_free_cache();
    free(got);
    assert_invariant();
}

int main(void)
{
    mpz_init(before);
    pattern(before, 16u * MB);
    pp_pi_tune_malloc();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_keep_their_value_across_sizes),
        cmocka_unit_test(a_number_made_before_the_allocator_is_freed_right),
        cmocka_unit_test(freed_blocks_are_reused_below_the_high_mark),
        cmocka_unit_test(pi_on_the_allocator_has_mpfrs_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
