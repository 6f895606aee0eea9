/* test_pairs.c - the pair-counting kernel against the naive loop, chunks
 * that overlap by one digit, and the chi-square statistic. */
#include <math.h>
#include <stdlib.h>

#include "pairs.h"
#include "unit.h"

static char *random_digits(size_t n, unsigned seed)
{
    char *d = malloc(n + 16);
    srand(seed);
    for (size_t i = 0; i < n; i++)
        d[i] = (char)('0' + rand() % 10);
    return d;
}

static void the_pairs_of_31415_are_counted_by_hand(void **state)
{
    (void)state;
    uint64_t c[100] = { 0 };
    assert_int_equal(pp_pairs_count("31415", 5, c, NULL), 0);
    uint64_t want[100] = { 0 };
    want[31] = want[14] = want[41] = want[15] = 1;
    assert_memory_equal(c, want, sizeof want);
}

static void the_kernel_equals_the_naive_loop_for_many_lengths(void **state)
{
    (void)state;
    char *d = random_digits(1000016, 7);
    size_t lengths[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 1000, 65537,
                         1000000 };
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++)
        for (size_t start = 0; start < 4; start++) {
            uint64_t fast[100] = { 0 }, slow[100] = { 0 };
            assert_int_equal(pp_pairs_count(d + start, lengths[k], fast,
                                             NULL),
                             0);
            assert_int_equal(pp_pairs_count_naive(d + start, lengths[k],
                                                   slow, NULL),
                             0);
            assert_memory_equal(fast, slow, sizeof fast);
            uint64_t total = 0;
            for (int i = 0; i < 100; i++)
                total += fast[i];
            assert_int_equal(total, lengths[k] ? lengths[k] - 1 : 0);
        }
    free(d);
}

static void every_chunking_counts_every_pair_once(void **state)
{
    (void)state;
    size_t n = 100003;
    char *d = random_digits(n, 11);
    uint64_t whole[100] = { 0 };
    pp_pairs_count_naive(d, n, whole, NULL);
    uint64_t chunks[] = { 1, 2, 3, 10, 999, 1000, 65536, 100001, 100002,
                          100003, 5000000 };
    for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
        uint64_t sum[100] = { 0 }, next = 0;
        size_t count = pp_pairs_chunks(n, chunks[k]);
        assert_int_equal(count, (n - 1 + chunks[k] - 1) / chunks[k]);
        for (size_t i = 0; i < count; i++) {
            uint64_t off, len;
            pp_pairs_chunk(n, chunks[k], i, &off, &len);
            assert_int_equal(off, next); /* contiguous pairs */
            assert_true(off + len <= n);
            next = off + len - 1; /* the extra digit starts the next */
            assert_int_equal(pp_pairs_count(d + off, len, sum, NULL), 0);
        }
        assert_int_equal(next, n - 1);
        assert_memory_equal(sum, whole, sizeof sum);
    }
    /* Random chunk sizes, one after another. */
    srand(3);
    uint64_t sum[100] = { 0 };
    for (uint64_t off = 0; off + 1 < n;) {
        uint64_t pairs = 1 + (uint64_t)(rand() % 50);
        if (off + pairs > n - 1)
            pairs = n - 1 - off;
        pp_pairs_count(d + off, pairs + 1, sum, NULL);
        off += pairs;
    }
    assert_memory_equal(sum, whole, sizeof sum);
    free(d);
}

static void few_digits_make_few_chunks(void **state)
{
    (void)state;
    assert_int_equal(pp_pairs_chunks(0, 10), 0);
    assert_int_equal(pp_pairs_chunks(1, 10), 0);
    assert_int_equal(pp_pairs_chunks(2, 10), 1);
    uint64_t off, len;
    pp_pairs_chunk(2, 10, 0, &off, &len);
    assert_int_equal(off, 0);
    assert_int_equal(len, 2);
    assert_int_equal(pp_pairs_chunks(11, 10), 1);
    assert_int_equal(pp_pairs_chunks(12, 10), 2);
    pp_pairs_chunk(12, 10, 1, &off, &len);
    assert_int_equal(off, 10);
    assert_int_equal(len, 2);
}

static void a_byte_that_is_no_digit_is_named(void **state)
{
    (void)state;
    char d[] = "3141592653x8979";
    uint64_t c[100] = { 0 }, zero[100] = { 0 };
    pp_error err = { 0 };
    assert_int_equal(pp_pairs_count(d, sizeof d - 1, c, &err), PP_EINVAL);
    assert_contains(err.msg, "byte 10");
    assert_memory_equal(c, zero, sizeof c); /* nothing added */
    assert_int_equal(pp_pairs_count_naive(d, sizeof d - 1, c, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "byte 10");
    char last[] = "12345678901234567:";
    assert_int_equal(pp_pairs_count(last, sizeof last - 1, c, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "byte 17");
}

static void uniform_counts_have_chi_square_zero(void **state)
{
    (void)state;
    uint64_t c[100];
    for (int i = 0; i < 100; i++)
        c[i] = 1000;
    double p = 0;
    assert_true(pp_pairs_chi2(c, &p) == 0.0);
    assert_true(p > 0.999999);
}

static void the_p_value_matches_a_series_computed_here(void **state)
{
    (void)state;
    /* chi2 = 99 with 99 degrees of freedom: P(X > 99).  Computed here
     * independently by the series of the lower incomplete gamma,
     * gamma(a, x) = x^a e^-x sum x^k / (a (a+1) ... (a+k)). */
    uint64_t c[100];
    for (int i = 0; i < 100; i++)
        c[i] = 10000;
    /* Make chi2 exactly 99: sum d^2 / 10000 = 99 with d = +-... */
    c[0] += 700;
    c[1] -= 700; /* 2 * 490000 / 10000 = 98 */
    c[2] += 100;
    c[3] -= 100; /* + 2 * 10000 / 10000 = 2: total 100 */
    double p = 0, chi2 = pp_pairs_chi2(c, &p);
    assert_true(chi2 > 99.9999 && chi2 < 100.0001);
    double a = 49.5, x = 50.0, term = 1.0 / a, sum = term;
    for (int k = 1; k < 500; k++) {
        term *= x / (a + k);
        sum += term;
    }
    double lower = exp(a * log(x) - x - lgamma(a)) * sum;
    assert_true(fabs((1 - lower) - p) < 1e-9);
    assert_true(p > 0.45 && p < 0.50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_pairs_of_31415_are_counted_by_hand),
        cmocka_unit_test(the_kernel_equals_the_naive_loop_for_many_lengths),
        cmocka_unit_test(every_chunking_counts_every_pair_once),
        cmocka_unit_test(few_digits_make_few_chunks),
        cmocka_unit_test(a_byte_that_is_no_digit_is_named),
        cmocka_unit_test(uniform_counts_have_chi_square_zero),
        cmocka_unit_test(the_p_value_matches_a_series_computed_here),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
