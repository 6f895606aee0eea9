/* test_pairs.c - the pair-counting kernel against the naive loop, chunks
 * that overlap by one digit, and chi-square with its p-value checked
 * against two computations of the test's own and a printed table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pairs.h"
#include "unit.h"

/* Digits from a xorshift generator: the same on every run. */
static uint64_t rng_state;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char *random_digits(size_t n, uint64_t seed)
{
    rng_state = seed;
    char *d = malloc(n + 1);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = (char)('0' + next_random() % 10);
    d[n] = '\0';
    return d;
}

static uint64_t sum_of(const uint64_t counts[100])
{
    uint64_t total = 0;
    for (int k = 0; k < 100; k++)
        total += counts[k];
    return total;
}

/* Both counts of digits[0..n) agree, and add up to n-1. */
static void assert_counts_agree(const char *digits, size_t n)
{
    uint64_t fast[100] = { 0 }, slow[100] = { 0 };
    pp_error err = { 0 };
    if (pp_pairs_count(digits, n, fast, &err) != 0)
        fail_msg("n = %zu: %s", n, err.msg);
    assert_int_equal(pp_pairs_count_naive(digits, n, slow, &err), 0);
    for (int k = 0; k < 100; k++)
        if (fast[k] != slow[k])
            fail_msg("n = %zu, pair %02d: kernel %llu, naive loop %llu", n,
                     k, (unsigned long long)fast[k],
                     (unsigned long long)slow[k]);
    assert_int_equal(sum_of(fast), n < 2 ? 0 : n - 1);
}

/* ---- counting -------------------------------------------------------- */

static void the_pairs_of_31415_are_counted_by_hand(void **state)
{
    (void)state;
    uint64_t c[100] = { 0 }, want[100] = { 0 };
    want[31] = want[14] = want[41] = want[15] = 1;
    assert_int_equal(pp_pairs_count("31415", 5, c, NULL), 0);
    assert_memory_equal(c, want, sizeof want);
    memset(c, 0, sizeof c);
    assert_int_equal(pp_pairs_count_naive("31415", 5, c, NULL), 0);
    assert_memory_equal(c, want, sizeof want);
}

static void counts_are_added_to_not_replaced(void **state)
{
    (void)state;
    uint64_t c[100];
    for (int k = 0; k < 100; k++)
        c[k] = 1000 + (uint64_t)k;
    assert_int_equal(pp_pairs_count("1111", 4, c, NULL), 0);
    assert_i64_equal(c[11], 1000 + 11 + 3);
    assert_i64_equal(c[12], 1000 + 12);
    /* The same on the fast path: 5000 ones are 4999 pairs "11". */
    char *ones = malloc(5000);
    memset(ones, '1', 5000);
    assert_int_equal(pp_pairs_count(ones, 5000, c, NULL), 0);
    assert_i64_equal(c[11], 1000 + 11 + 3 + 4999);
    assert_i64_equal(c[0], 1000);
    free(ones);
}

static void fewer_than_two_digits_have_no_pairs(void **state)
{
    (void)state;
    uint64_t c[100] = { 0 }, zero[100] = { 0 };
    assert_int_equal(pp_pairs_count("", 0, c, NULL), 0);
    assert_int_equal(pp_pairs_count(NULL, 0, c, NULL), 0);
    assert_int_equal(pp_pairs_count("7", 1, c, NULL), 0);
    assert_int_equal(pp_pairs_count_naive("7", 1, c, NULL), 0);
    assert_memory_equal(c, zero, sizeof c);
    assert_int_equal(pp_pairs_count("70", 2, c, NULL), 0);
    assert_i64_equal(c[70], 1);
    assert_i64_equal(sum_of(c), 1);
}

static void the_kernel_equals_the_naive_loop_for_many_lengths(void **state)
{
    (void)state;
    size_t max = 1000000 + 16;
    char *d = random_digits(max, 7);
    /* Each length from every starting byte of a word, so that loads are
     * unaligned in every way; the lengths go across the kernel's cut-over
     * from the plain loop (4096) and its 12-byte groups. */
    for (size_t n = 0; n <= 64; n++)
        for (size_t start = 0; start < 8; start++)
            assert_counts_agree(d + start, n);
    for (size_t n = 4080; n <= 4130; n++)
        for (size_t start = 0; start < 8; start++)
            assert_counts_agree(d + start, n);
    size_t odd[] = { 1001, 65535, 65536, 65537, 99999, 123457 };
    for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++)
        for (size_t start = 0; start < 8; start++)
            assert_counts_agree(d + start, odd[k]);
    assert_counts_agree(d, 1000000);
    assert_counts_agree(d + 3, 1000000);
    assert_counts_agree(d + 13, 1000000 + 1);
    free(d);
}

static void runs_and_patterns_count_like_the_naive_loop(void **state)
{
    (void)state;
    /* Repeats hit one cell again and again, one load after another. */
    size_t n = 20000;
    char *d = malloc(n);
    for (char c = '0'; c <= '9'; c++) {
        memset(d, c, n);
        assert_counts_agree(d, n);
        uint64_t counts[100] = { 0 };
        pp_pairs_count(d, n, counts, NULL);
        assert_i64_equal(counts[11 * (c - '0')], n - 1);
    }
    for (size_t i = 0; i < n; i++)
        d[i] = (char)('0' + i % 10);
    assert_counts_agree(d, n);
    for (size_t i = 0; i < n; i++)
        d[i] = (char)('0' + (i / 7) % 10); /* runs of 7 */
    assert_counts_agree(d, n);
    for (size_t i = 0; i < n; i++)
        d[i] = i % 12 < 6 ? '9' : '0'; /* in step with a 12-byte group */
    assert_counts_agree(d, n);
    for (size_t i = 0; i < n; i++)
        d[i] = (char)('0' + (i * i + 3 * i) % 10);
    assert_counts_agree(d, n);
    free(d);
}

/* ---- bad bytes ------------------------------------------------------- */

static void assert_refused_at(char *d, size_t n, size_t at, unsigned char c)
{
    char was = d[at];
    d[at] = (char)c;
    uint64_t counts[100], before[100];
    for (int k = 0; k < 100; k++)
        counts[k] = before[k] = (uint64_t)k * 3;
    pp_error err = { 0 };
    char want[64];
    snprintf(want, sizeof want, "byte %zu is ", at);
    int rc = pp_pairs_count(d, n, counts, &err);
    if (rc != PP_EINVAL || !strstr(err.msg, want))
        fail_msg("byte 0x%02x at %zu of %zu: rc %d, \"%s\"", c, at, n, rc,
                 err.msg);
    assert_memory_equal(counts, before, sizeof counts); /* nothing added */
    snprintf(want, sizeof want, "0x%02x", c);
    assert_contains(err.msg, want);
    pp_error_clear(&err);
    assert_int_equal(pp_pairs_count_naive(d, n, counts, &err), PP_EINVAL);
    snprintf(want, sizeof want, "byte %zu is ", at);
    assert_contains(err.msg, want);
    assert_memory_equal(counts, before, sizeof counts);
    d[at] = was;
}

static void every_byte_that_is_no_digit_is_refused_naming_its_offset(
    void **state)
{
    (void)state;
    size_t n = 5000;
    char *d = random_digits(n, 99);
    /* Where the checks differ: the start, inside a group at each byte of
     * it, the last byte a group reads, the plain loop after the groups,
     * and the last byte. */
    size_t whole = (n - 2) / 12 * 12;
    size_t places[] = { 0, 1, 2, 5, 6, 7, 11, 12, 13, 2500, 2501, 2502,
                        2503, 2504, 2505, 2506, 2507, 2508, 2509, 2510,
                        2511, whole - 1, whole, whole + 1, whole + 2,
                        n - 2, n - 1 };
    for (size_t p = 0; p < sizeof places / sizeof places[0]; p++)
        for (unsigned c = 0; c < 256; c++)
            if (c < '0' || c > '9')
                assert_refused_at(d, n, places[p], (unsigned char)c);
    /* Short inputs take the plain loop. */
    for (unsigned c = 0; c < 256; c++)
        if (c < '0' || c > '9') {
            assert_refused_at(d, 1, 0, (unsigned char)c);
            assert_refused_at(d, 2, 1, (unsigned char)c);
            assert_refused_at(d, 100, 50, (unsigned char)c);
        }
    free(d);
}

static void the_first_bad_byte_is_named_and_printed_readably(void **state)
{
    (void)state;
    char d[] = "3141592653x8979:";
    uint64_t c[100] = { 0 };
    pp_error err = { 0 };
    assert_int_equal(pp_pairs_count(d, sizeof d - 1, c, &err), PP_EINVAL);
    assert_string_equal(err.msg,
                        "pairs: byte 10 is 'x' (0x78), not a digit");
    char *big = random_digits(100000, 5);
    big[70000] = '\n';
    big[90000] = '.';
    assert_int_equal(pp_pairs_count(big, 100000, c, &err), PP_EINVAL);
    assert_string_equal(err.msg, "pairs: byte 70000 is 0x0a, not a digit");
    free(big);
}

/* ---- chunks ---------------------------------------------------------- */

/* The chunks of N digits, walked and checked against the contract: the
 * first starts at 0, each starts at the last digit of the one before (one
 * digit of overlap), none is longer than chunk+1 or shorter than 2, and
 * the last ends at N.  Returns how many there were. */
static size_t walk_chunks(uint64_t ndigits, uint64_t chunk)
{
    size_t count = pp_pairs_chunks(ndigits, chunk);
    uint64_t next = 0, off, len;
    for (size_t i = 0; i < count; i++) {
        pp_pairs_chunk(ndigits, chunk, i, &off, &len);
        if (off != next || len < 2 || len > chunk + 1)
            fail_msg("N %llu chunk %llu: chunk %zu is [%llu, +%llu), want "
                     "it at %llu",
                     (unsigned long long)ndigits, (unsigned long long)chunk,
                     i, (unsigned long long)off, (unsigned long long)len,
                     (unsigned long long)next);
        if (i + 1 < count)
            assert_true(len == chunk + 1); /* all full but the last */
        next = off + len - 1;
    }
    if (count)
        assert_true(next + 1 == ndigits); /* the last ends at N */
    return count;
}

static void chunk_arithmetic_covers_every_pair_once(void **state)
{
    (void)state;
    for (uint64_t n = 0; n <= 60; n++)
        for (uint64_t chunk = 1; chunk <= 62; chunk++) {
            /* ceil((N-1)/chunk), by counting. */
            size_t want = 0;
            for (uint64_t lo = 0; lo + 1 < n; lo += chunk)
                want++;
            assert_int_equal(walk_chunks(n, chunk), want);
        }
    assert_int_equal(walk_chunks(150000000, 1000000), 150);
    assert_int_equal(walk_chunks(150000001, 1000000), 150);
    assert_int_equal(walk_chunks(150000002, 1000000), 151);
    assert_int_equal(walk_chunks(1000, 1), 999);
}

static void chunks_of_none_one_and_two_digits(void **state)
{
    (void)state;
    uint64_t off = 99, len = 99;
    assert_int_equal(pp_pairs_chunks(0, 10), 0);
    assert_int_equal(pp_pairs_chunks(1, 10), 0);
    assert_int_equal(pp_pairs_chunks(1, 1), 0);
    assert_int_equal(pp_pairs_chunks(2, 10), 1);
    assert_int_equal(pp_pairs_chunks(2, 1), 1);
    assert_int_equal(pp_pairs_chunks(100, 0), 0); /* no chunk size */
    pp_pairs_chunk(2, 10, 0, &off, &len);
    assert_int_equal(off, 0);
    assert_int_equal(len, 2);
    pp_pairs_chunk(2, 1, 0, &off, &len);
    assert_int_equal(off, 0);
    assert_int_equal(len, 2);
    /* Past the end, or with nothing to cut: an empty chunk. */
    pp_pairs_chunk(0, 10, 0, &off, &len);
    assert_int_equal(len, 0);
    pp_pairs_chunk(1, 10, 0, &off, &len);
    assert_int_equal(len, 0);
    pp_pairs_chunk(12, 10, 2, &off, &len);
    assert_int_equal(off, 11);
    assert_int_equal(len, 0);
    pp_pairs_chunk(12, 0, 0, &off, &len);
    assert_int_equal(len, 0);
    /* 11 digits are 10 pairs: one chunk of 10; 12 digits need two. */
    assert_int_equal(pp_pairs_chunks(11, 10), 1);
    assert_int_equal(pp_pairs_chunks(12, 10), 2);
    pp_pairs_chunk(12, 10, 1, &off, &len);
    assert_int_equal(off, 10);
    assert_int_equal(len, 2);
}

static void chunk_arithmetic_does_not_wrap_near_the_top(void **state)
{
    (void)state;
    uint64_t top = UINT64_MAX, off, len;
    assert_int_equal(pp_pairs_chunks(top, top), 1);
    assert_int_equal(pp_pairs_chunks(top, top - 1), 1);
    assert_int_equal(pp_pairs_chunks(top, top - 2), 2);
    pp_pairs_chunk(top, top - 2, 1, &off, &len);
    assert_true(off == top - 2);
    assert_true(len == 2);
    pp_pairs_chunk(top, top, 0, &off, &len);
    assert_true(off == 0 && len == top);
}

static void counting_chunk_by_chunk_equals_counting_the_whole(void **state)
{
    (void)state;
    size_t n = 100003;
    char *d = random_digits(n, 11);
    uint64_t whole[100] = { 0 };
    assert_int_equal(pp_pairs_count_naive(d, n, whole, NULL), 0);
    uint64_t sizes[] = { 1, 2, 3, 11, 12, 13, 999, 4095, 4096, 4097, 65536,
                         100001, 100002, 100003, 5000000 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        uint64_t sum[100] = { 0 }, off, len;
        size_t count = walk_chunks(n, sizes[k]);
        for (size_t i = 0; i < count; i++) {
            pp_pairs_chunk(n, sizes[k], i, &off, &len);
            assert_int_equal(pp_pairs_count(d + off, len, sum, NULL), 0);
        }
        assert_memory_equal(sum, whole, sizeof sum);
    }
    /* Chunks of random sizes, one after another, as a balanced scheduler
     * might cut them. */
    rng_state = 3;
    for (int round = 0; round < 20; round++) {
        uint64_t sum[100] = { 0 };
        for (uint64_t off = 0; off + 1 < n;) {
            uint64_t pairs = 1 + next_random() % (round < 10 ? 40 : 9000);
            if (pairs > n - 1 - off)
                pairs = n - 1 - off;
            assert_int_equal(pp_pairs_count(d + off, pairs + 1, sum, NULL),
                             0);
            off += pairs;
        }
        assert_memory_equal(sum, whole, sizeof sum);
    }
    free(d);
}

/* ---- chi-square ------------------------------------------------------ */

/* Q(k/2, x/2) for odd k, by Abramowitz and Stegun 26.4.4: 2 Q(chi) + 2
 * Z(chi) * sum_{r=1}^{(k-1)/2} chi^(2r-1) / (1*3*...*(2r-1)), chi =
 * sqrt(x), with the normal tail Q and density Z from libm. */
static double q_odd_dof(double x, int k)
{
    double chi = sqrt(x), term = chi, sum = 0;
    for (int r = 1; r <= (k - 1) / 2; r++) {
        sum += term;
        term *= x / (2 * r + 1);
    }
    double z = exp(-x / 2) / sqrt(2 * M_PI);
    return erfc(chi / sqrt(2)) + 2 * z * sum;
}

/* 1 - P(a, x), P by its series x^a e^-x / Gamma(a+1) * sum x^k / ((a+1)
 * ... (a+k)), in long double. */
static double q_by_series(double a, double x)
{
    long double term = 1, sum = 1;
    for (int k = 1; k < 2000 && term > 1e-22L * sum; k++) {
        term *= (long double)x / (a + k);
        sum += term;
    }
    long double p =
        expl(a * logl(x) - x - lgammal((long double)a + 1)) * sum;
    return (double)(1 - p);
}

static void uniform_counts_have_chi_square_zero_and_p_value_one(
    void **state)
{
    (void)state;
    uint64_t c[100];
    for (int i = 0; i < 100; i++)
        c[i] = 1500000;
    double p = 0;
    assert_true(pp_pairs_chi2(c, &p) == 0.0);
    assert_true(p == 1.0);
    uint64_t none[100] = { 0 };
    p = 0;
    assert_true(pp_pairs_chi2(none, &p) == 0.0);
    assert_true(p == 1.0);
    assert_true(pp_pairs_chi2(c, NULL) == 0.0); /* no p-value wanted */
}

static void chi_square_of_made_up_counts_is_exact(void **state)
{
    (void)state;
    /* Expected 100 each; departures +-60, +-30, +-21, +-3 make the sum of
     * squares 9900 and chi-square 99. */
    uint64_t c[100];
    for (int i = 0; i < 100; i++)
        c[i] = 100;
    c[0] = 160, c[1] = 40, c[2] = 130, c[3] = 70;
    c[4] = 121, c[5] = 79, c[6] = 103, c[7] = 97;
    double p = 0, chi2 = pp_pairs_chi2(c, &p);
    assert_true(fabs(chi2 - 99) < 1e-9);
    assert_true(fabs(p - pp_pairs_chi2_q(99, 99)) < 1e-15);
    /* One pair only: every other cell is 0, chi-square 99 * total. */
    uint64_t one[100] = { 0 };
    one[42] = 150000000;
    chi2 = pp_pairs_chi2(one, &p);
    assert_true(fabs(chi2 - 99.0 * 150000000) < 1e-3);
    assert_true(p == 0.0);
}

static void p_value_of_99_with_99_dof_agrees_three_ways(void **state)
{
    (void)state;
    double p = pp_pairs_chi2_q(99, 99);
    double by_formula = q_odd_dof(99, 99);
    double by_series = q_by_series(49.5, 49.5);
    print_message("Q(99 | 99 dof): MPFR %.15f, A&S 26.4.4 %.15f, series "
                  "%.15f\n",
                  p, by_formula, by_series);
    assert_true(fabs(p - by_formula) < 1e-12);
    assert_true(fabs(p - by_series) < 1e-12);
    assert_true(p > 0.4810 && p < 0.4812);
}

static void p_values_agree_with_the_formula_over_a_range(void **state)
{
    (void)state;
    double last = 1.1;
    for (double x = 0; x <= 400; x += 3.7) {
        double p = pp_pairs_chi2_q(x, 99), want = q_odd_dof(x, 99);
        if (!(fabs(p - want) <= 1e-12 + 1e-9 * want))
            fail_msg("Q(%g | 99): %.17g, formula %.17g", x, p, want);
        assert_true(p <= last); /* falls as chi-square grows */
        last = p;
    }
    /* Other odd degrees of freedom, far into the tail. */
    int dofs[] = { 1, 3, 9, 31 };
    double xs[] = { 0.5, 2, 10, 40, 100 };
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 5; j++) {
            double p = pp_pairs_chi2_q(xs[j], dofs[i]);
            double want = q_odd_dof(xs[j], dofs[i]);
            if (!(fabs(p - want) <= 1e-9 * want))
                fail_msg("Q(%g | %d): %.17g, formula %.17g", xs[j], dofs[i],
                         p, want);
        }
}

static void p_values_match_a_printed_table(void **state)
{
    (void)state;
    /* Upper critical values of chi-square for 100 degrees of freedom
     * (NIST/SEMATECH e-Handbook, table 1.3.6.7.4): P(X > 124.342) = 0.05,
     * P(X > 135.807) = 0.01, P(X > 77.929) = 0.95, P(X > 149.449) =
     * 0.001; printed to 3 decimals, so they hold to about 1e-4. */
    assert_true(fabs(pp_pairs_chi2_q(124.342, 100) - 0.05) < 1e-4);
    assert_true(fabs(pp_pairs_chi2_q(135.807, 100) - 0.01) < 2e-5);
    assert_true(fabs(pp_pairs_chi2_q(77.929, 100) - 0.95) < 1e-4);
    assert_true(fabs(pp_pairs_chi2_q(149.449, 100) - 0.001) < 2e-6);
    /* With 2 degrees of freedom Q is e^(-x/2) exactly. */
    for (double x = 0; x < 200; x += 7.3)
        assert_true(fabs(pp_pairs_chi2_q(x, 2) - exp(-x / 2))
                    <= 1e-15 * exp(-x / 2) + 1e-300);
}

static void far_tails_are_zero_at_once_and_bad_input_is_nan(void **state)
{
    (void)state;
    /* Far beyond what a double holds; MPFR itself would take hours. */
    assert_true(pp_pairs_chi2_q(2e5, 99) == 0.0);
    assert_true(pp_pairs_chi2_q(1e300, 99) == 0.0);
    assert_true(pp_pairs_chi2_q(INFINITY, 99) == 0.0);
    /* Just inside the doubles, the answer is tiny but not 0. */
    double p = pp_pairs_chi2_q(1700, 99);
    assert_true(p > 0 && p < 1e-250);
    assert_true(pp_pairs_chi2_q(0, 99) == 1.0);
    assert_true(isnan(pp_pairs_chi2_q(-1, 99)));
    assert_true(isnan(pp_pairs_chi2_q(NAN, 99)));
    assert_true(isnan(pp_pairs_chi2_q(10, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_pairs_of_31415_are_counted_by_hand),
        cmocka_unit_test(counts_are_added_to_not_replaced),
        cmocka_unit_test(fewer_than_two_digits_have_no_pairs),
        cmocka_unit_test(the_kernel_equals_the_naive_loop_for_many_lengths),
        cmocka_unit_test(runs_and_patterns_count_like_the_naive_loop),
        cmocka_unit_test(
            every_byte_that_is_no_digit_is_refused_naming_its_offset),
        cmocka_unit_test(the_first_bad_byte_is_named_and_printed_readably),
        cmocka_unit_test(chunk_arithmetic_covers_every_pair_once),
        cmocka_unit_test(chunks_of_none_one_and_two_digits),
        cmocka_unit_test(chunk_arithmetic_does_not_wrap_near_the_top),
        cmocka_unit_test(counting_chunk_by_chunk_equals_counting_the_whole),
        cmocka_unit_test(uniform_counts_have_chi_square_zero_and_p_value_one),
        cmocka_unit_test(chi_square_of_made_up_counts_is_exact),
        cmocka_unit_test(p_value_of_99_with_99_dof_agrees_three_ways),
        cmocka_unit_test(p_values_agree_with_the_formula_over_a_range),
        cmocka_unit_test(p_values_match_a_printed_table),
        cmocka_unit_test(far_tails_are_zero_at_once_and_bad_input_is_nan),
    };
    return cmocka_run_group_tests_name("pairs", tests, NULL, NULL);
}
