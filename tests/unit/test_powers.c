/* test_powers.c - x**e exact in int64, checked against a reference
 * that multiplies magnitudes with a division check,
 * and the "powers" workload as the registry hands it out. */
#include <stdlib.h>

#include "unit.h"
#include "workload.h"

/* x**e by repeated multiplication of magnitudes in uint64_t, each step
 * checked by a division (neither __builtin_mul_overflow, which pp_powers
 * uses, nor __int128, which 32-bit armhf lacks); false when it leaves
 * int64. */
static int reference_power(int64_t x, int64_t e, int64_t *out)
{
    uint64_t ax = x < 0 ? 0 - (uint64_t)x : (uint64_t)x, m = 1;
    int neg = 0;
    for (int64_t k = 0; k < e; k++) {
        if (ax != 0 && m > UINT64_MAX / ax)
            return 0;
        m *= ax;
        neg ^= x < 0;
        if (m > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
            return 0; /* |x| >= 2 here, so it never comes back */
        if (m <= 1) { /* x is 0, 1 or -1: only the parity of e is left */
            neg = x < 0 && e % 2;
            break;
        }
    }
    *out = neg ? -(int64_t)(m - 1) - 1 : (int64_t)m;
    return 1;
}

static int64_t power_of(int64_t x, int64_t e)
{
    int64_t y = 0;
    pp_error err = { 0 };
    int rc = pp_powers(&x, 1, e, &y, &err);
    if (rc != 0)
        fail_msg("%lld**%lld failed: %s", (long long)x, (long long)e,
                 err.msg);
    return y;
}

static void assert_overflows(int64_t x, int64_t e, const char *want)
{
    int64_t y = 0;
    pp_error err = { 0 };
    int rc = pp_powers(&x, 1, e, &y, &err);
    if (rc != PP_EOVERFLOW)
        fail_msg("%lld**%lld gave %d (y = %lld), want PP_EOVERFLOW",
                 (long long)x, (long long)e, rc, (long long)y);
    assert_int_equal(err.code, PP_EOVERFLOW);
    assert_contains(err.msg, want);
}

static void reference_agrees_with_known_powers(void **state)
{
    (void)state;
    int64_t y;
    assert_true(reference_power(2, 10, &y) && y == 1024);
    assert_true(reference_power(-1, 3, &y) && y == -1);
    assert_true(reference_power(-1, 4, &y) && y == 1);
    assert_true(reference_power(-1, 1, &y) && y == -1);
    assert_true(reference_power(7, 0, &y) && y == 1);
    assert_false(reference_power(2, 63, &y));
}

static void powers_of_range_64_to_the_tenth_are_exact(void **state)
{
    (void)state;
    int64_t x[64], y[64];
    for (int i = 0; i < 64; i++)
        x[i] = i;
    pp_error err = { 0 };
    assert_int_equal(pp_powers(x, 64, 10, y, &err), 0);
    for (int i = 0; i < 64; i++) {
        uint64_t want = 1; /* 63**10 < 2^60 */
        for (int k = 0; k < 10; k++)
            want *= (uint64_t)i;
        assert_true(want <= INT64_MAX);
        if (y[i] != (int64_t)want)
            fail_msg("%d**10 = %lld, want %lld", i, (long long)y[i],
                     (long long)want);
    }
    assert_i64_equal(y[2], 1024);
    assert_i64_equal(y[10], 10000000000LL);
    assert_i64_equal(y[63], 984930291881790849LL);
}

static void every_small_base_and_exponent_is_exact_or_overflows(void **state)
{
    (void)state;
    for (int64_t x = -200; x <= 200; x++) {
        for (int64_t e = 0; e <= 70; e++) {
            int64_t want, got = 0;
            pp_error err = { 0 };
            int fits = reference_power(x, e, &want);
            int rc = pp_powers(&x, 1, e, &got, &err);
            if (fits && (rc != 0 || got != want))
                fail_msg("%lld**%lld: rc %d, got %lld, want %lld",
                         (long long)x, (long long)e, rc, (long long)got,
                         (long long)want);
            if (!fits && rc != PP_EOVERFLOW)
                fail_msg("%lld**%lld: rc %d, got %lld, want an overflow",
                         (long long)x, (long long)e, rc, (long long)got);
        }
    }
}

static void seventy_nine_to_the_tenth_overflows_naming_itself(void **state)
{
    (void)state;
    assert_overflows(79, 10, "79**10");
    int64_t y;
    assert_false(reference_power(79, 10, &y));
}

static void seventy_eight_to_the_tenth_fits(void **state)
{
    (void)state;
    int64_t want;
    assert_true(reference_power(78, 10, &want));
    assert_i64_equal(want, 8335775831236199424LL);
    assert_i64_equal(power_of(78, 10), 8335775831236199424LL);
}

static void the_first_item_that_overflows_is_the_one_named(void **state)
{
    (void)state;
    int64_t x[] = { 2, 78, 80, 79, -100 };
    int64_t y[5] = { 0 };
    pp_error err = { 0 };
    assert_int_equal(pp_powers(x, 5, 10, y, &err), PP_EOVERFLOW);
    assert_contains(err.msg, "80**10");
    assert_not_contains(err.msg, "79**10");
    assert_contains(err.msg, "int64");
}

static void negative_bases_keep_their_sign_for_odd_exponents(void **state)
{
    (void)state;
    assert_i64_equal(power_of(-3, 3), -27);
    assert_i64_equal(power_of(-3, 4), 81);
    assert_i64_equal(power_of(-2, 10), 1024);
    assert_i64_equal(power_of(-10, 5), -100000);
    assert_i64_equal(power_of(-78, 10), 8335775831236199424LL);
    assert_overflows(-79, 10, "-79**10");
}

static void zero_one_and_minus_one_survive_any_exponent(void **state)
{
    (void)state;
    int64_t big[] = { 1, 2, 63, 64, 1000001, INT64_MAX - 1, INT64_MAX };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        int64_t e = big[i];
        assert_i64_equal(power_of(0, e), 0);
        assert_i64_equal(power_of(1, e), 1);
        assert_i64_equal(power_of(-1, e), e % 2 ? -1 : 1);
    }
}

static void exponent_zero_gives_one_for_every_base(void **state)
{
    (void)state;
    int64_t x[] = { 0, 1, -1, 2, -3, 79, INT64_MAX, INT64_MIN };
    int64_t y[8];
    memset(y, 0x55, sizeof y);
    assert_int_equal(pp_powers(x, 8, 0, y, NULL), 0);
    for (int i = 0; i < 8; i++)
        assert_i64_equal(y[i], 1);
}

static void exponent_one_gives_the_base(void **state)
{
    (void)state;
    int64_t x[] = { 0, 1, -1, 2, -3, 79, INT64_MAX, INT64_MIN };
    int64_t y[8];
    assert_int_equal(pp_powers(x, 8, 1, y, NULL), 0);
    assert_memory_equal(y, x, sizeof x);
}

static void minus_two_to_the_63rd_is_int64_min_and_fits(void **state)
{
    (void)state;
    assert_i64_equal(power_of(-2, 63), INT64_MIN);
    assert_i64_equal(power_of(-2, 62), 4611686018427387904LL);
    assert_overflows(-2, 64, "-2**64");
}

static void two_to_the_63rd_overflows(void **state)
{
    (void)state;
    assert_i64_equal(power_of(2, 62), 4611686018427387904LL);
    assert_overflows(2, 63, "2**63");
    assert_overflows(2, 64, "2**64");
    assert_overflows(3, 40, "3**40");
    assert_i64_equal(power_of(3, 39), 4052555153018976267LL);
    assert_overflows(INT64_MIN, 2, "**2");
    assert_overflows(INT64_MAX, 2, "**2");
}

static void huge_exponents_fail_quickly_for_bases_beyond_one(void **state)
{
    (void)state;
    /* A loop of INT64_MAX steps would never finish; the overflow comes
     * within 64. */
    assert_overflows(2, INT64_MAX, "2**9223372036854775807");
    assert_overflows(-2, INT64_MAX, "-2**9223372036854775807");
}

static void a_negative_exponent_is_refused(void **state)
{
    (void)state;
    int64_t x = 2, y = 0;
    pp_error err = { 0 };
    assert_int_equal(pp_powers(&x, 1, -1, &y, &err), PP_EINVAL);
    assert_contains(err.msg, "exponent -1 is negative");
}

static void no_items_is_no_work(void **state)
{
    (void)state;
    assert_int_equal(pp_powers(NULL, 0, 10, NULL, NULL), 0);
}

/* ---- the workload -------------------------------------------------------- */

static void registry_finds_powers_by_name(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    assert_non_null(w);
    assert_string_equal(w->name, "powers");
    assert_ptr_equal(w->run, pp_powers_run);
    assert_non_null(w->summary);
    assert_null(pp_workload_find("power"));
    assert_null(pp_workload_find("Powers"));
    assert_null(pp_workload_find(""));
    size_t n = 0;
    const pp_workload *all = pp_workloads(&n);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(pp_workload_find(all[i].name), &all[i]);
        seen += strcmp(all[i].name, "powers") == 0;
    }
    assert_int_equal(seen, 1);
}

static void workload_raises_to_the_tenth_by_default(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    assert_non_null(w);
    int64_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = i - 5;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_I64, x, sizeof x);
    pp_values out = { 0 };
    pp_error err = { 0 };
    assert_int_equal(w->run(&arg, 1, &out, &err), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].type, PP_T_I64);
    assert_int_equal(pp_value_count(&out.v[0]), 16);
    const int64_t *y = pp_value_i64s(&out.v[0]);
    for (int i = 0; i < 16; i++) {
        int64_t want;
        assert_true(reference_power(x[i], 10, &want));
        assert_i64_equal(y[i], want);
    }
    assert_i64_equal(y[0], 9765625);   /* (-5)**10 */
    assert_i64_equal(y[15], 10000000000LL); /* 10**10 */
    /* The argument is borrowed and left as it was. */
    assert_i64_equal(x[0], -5);
    assert_ptr_equal(arg.data, x);
    pp_values_free(&out);
}

static void workload_takes_an_optional_exponent(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    int64_t x[] = { -3, 0, 2, 5 }, e = 3;
    pp_value args[2];
    pp_value_borrow(&args[0], PP_T_I64, x, sizeof x);
    pp_value_borrow(&args[1], PP_T_I64, &e, sizeof e);
    pp_values out = { 0 };
    pp_error err = { 0 };
    assert_int_equal(w->run(args, 2, &out, &err), 0);
    assert_int_equal(out.n, 1);
    static const int64_t want[] = { -27, 0, 8, 125 };
    assert_int_equal(out.v[0].size, sizeof want);
    assert_memory_equal(out.v[0].data, want, sizeof want);
    pp_values_free(&out);
}

static void workload_of_an_empty_array_returns_an_empty_array(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    pp_value arg;
    pp_value_borrow(&arg, PP_T_I64, NULL, 0);
    pp_values out = { 0 };
    assert_int_equal(w->run(&arg, 1, &out, NULL), 0);
    assert_int_equal(out.n, 1);
    assert_int_equal(out.v[0].type, PP_T_I64);
    assert_int_equal(out.v[0].size, 0);
    pp_values_free(&out);
}

static void workload_reports_the_overflowing_item(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    int64_t x[80];
    for (int i = 0; i < 80; i++)
        x[i] = i;
    pp_value arg;
    pp_value_borrow(&arg, PP_T_I64, x, sizeof x);
    pp_values out = { 0 };
    pp_error err = { 0 };
    assert_int_equal(w->run(&arg, 1, &out, &err), PP_EOVERFLOW);
    assert_contains(err.msg, "powers: 79**10 does not fit in int64");
    assert_int_equal(out.n, 0);
    pp_values_free(&out);
}

static void workload_refuses_arguments_of_the_wrong_shape(void **state)
{
    (void)state;
    const pp_workload *w = pp_workload_find("powers");
    int64_t x[] = { 1, 2 }, two[] = { 2, 3 };
    pp_value args[3] = { { 0 } };
    pp_values out = { 0 };
    pp_error err = { 0 };

    assert_int_equal(w->run(args, 0, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "powers: needs an i64 array");

    pp_value_borrow(&args[0], PP_T_STR, "12", 2);
    assert_int_equal(w->run(args, 1, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "needs an i64 array");

    pp_value_borrow(&args[0], PP_T_I64, x, sizeof x);
    pp_value_borrow(&args[1], PP_T_I64, two, sizeof two);
    assert_int_equal(w->run(args, 2, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "the exponent must be one i64");

    pp_value_borrow(&args[1], PP_T_F64, two, 8);
    assert_int_equal(w->run(args, 2, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "the exponent must be one i64");

    pp_value_borrow(&args[1], PP_T_I64, two, 8);
    pp_value_borrow(&args[2], PP_T_I64, two, 8);
    assert_int_equal(w->run(args, 3, &out, &err), PP_EINVAL);

    int64_t negative = -2;
    pp_value_borrow(&args[1], PP_T_I64, &negative, 8);
    assert_int_equal(w->run(args, 2, &out, &err), PP_EINVAL);
    assert_contains(err.msg, "negative");
    assert_int_equal(out.n, 0);
    pp_values_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_agrees_with_known_powers),
        cmocka_unit_test(powers_of_range_64_to_the_tenth_are_exact),
        cmocka_unit_test(every_small_base_and_exponent_is_exact_or_overflows),
        cmocka_unit_test(seventy_nine_to_the_tenth_overflows_naming_itself),
        cmocka_unit_test(seventy_eight_to_the_tenth_fits),
        cmocka_unit_test(the_first_item_that_overflows_is_the_one_named),
        cmocka_unit_test(negative_bases_keep_their_sign_for_odd_exponents),
        cmocka_unit_test(zero_one_and_minus_one_survive_any_exponent),
        cmocka_unit_test(exponent_zero_gives_one_for_every_base),
        cmocka_unit_test(exponent_one_gives_the_base),
        cmocka_unit_test(minus_two_to_the_63rd_is_int64_min_and_fits),
        cmocka_unit_test(two_to_the_63rd_overflows),
        cmocka_unit_test(huge_exponents_fail_quickly_for_bases_beyond_one),
        cmocka_unit_test(a_negative_exponent_is_refused),
        cmocka_unit_test(no_items_is_no_work),
        cmocka_unit_test(registry_finds_powers_by_name),
        cmocka_unit_test(workload_raises_to_the_tenth_by_default),
        cmocka_unit_test(workload_takes_an_optional_exponent),
        cmocka_unit_test(workload_of_an_empty_array_returns_an_empty_array),
        cmocka_unit_test(workload_reports_the_overflowing_item),
        cmocka_unit_test(workload_refuses_arguments_of_the_wrong_shape),
    };
    return cmocka_run_group_tests_name("powers", tests, NULL, NULL);
}
