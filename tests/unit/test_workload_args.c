/* test_workload_args.c - the one-line argument readers and result makers
 * of <pipar/workload.h>: exact values, and exact error texts when an
 * argument is missing or of the wrong type. */
#include "unit.h"

#include <stdlib.h>

#include "pipar/workload.h"

/* args: one i64, an i64 array of 3, one f64, a str, bytes. */
typedef struct fixture {
    pp_value v[5];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    static const int64_t one = 7, three[3] = { 1, 2, 3 };
    static const double half = 0.5;
    assert_int_equal(pp_value_i64(&f->v[0], &one, 1), 0);
    assert_int_equal(pp_value_i64(&f->v[1], three, 3), 0);
    assert_int_equal(pp_value_f64(&f->v[2], &half, 1), 0);
    assert_int_equal(pp_value_str(&f->v[3], "hello"), 0);
    assert_int_equal(pp_value_bytes(&f->v[4], PP_T_BYTES, "\0\1", 2), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 5; i++)
        pp_value_free(&f->v[i]);
    free(f);
    return 0;
}

static void readers_return_the_values(void **state)
{
    fixture *f = *state;
    pp_error err = { 0 };
    int64_t x;
    double d;
    char s[8];
    const int64_t *xs;
    const void *b;
    size_t n;
    assert_int_equal(pp_arg_i64(f->v, 5, 0, &x, &err), 0);
    assert_int_equal(x, 7);
    assert_int_equal(pp_arg_f64(f->v, 5, 2, &d, &err), 0);
    assert_true(d == 0.5);
    assert_int_equal(pp_arg_f64(f->v, 5, 0, &d, &err), 0); /* an i64 too */
    assert_true(d == 7.0);
    assert_int_equal(pp_arg_str(f->v, 5, 3, s, sizeof s, &err), 0);
    assert_string_equal(s, "hello");
    assert_int_equal(pp_arg_i64s(f->v, 5, 1, &xs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(xs[2], 3);
    assert_int_equal(pp_arg_i64s(f->v, 5, 0, &xs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(pp_arg_bytes(f->v, 5, 4, &b, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(((const char *)b)[1], 1);
}

static void a_missing_argument_says_which_and_what(void **state)
{
    fixture *f = *state;
    pp_error err = { 0 };
    int64_t x;
    assert_int_equal(pp_arg_i64(f->v, 1, 1, &x, &err), PP_EINVAL);
    assert_int_equal(err.code, PP_EINVAL);
    assert_string_equal(err.msg, "argument 1 is missing (expected one i64; "
                                 "got 1 argument)");
    assert_int_equal(pp_arg_i64(f->v, 0, 0, &x, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 0 is missing (expected one i64; "
                                 "got 0 arguments)");
    char s[4];
    assert_int_equal(pp_arg_str(f->v, 3, 3, s, sizeof s, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 3 is missing (expected a str; "
                                 "got 3 arguments)");
}

static void a_wrong_type_says_what_it_got(void **state)
{
    fixture *f = *state;
    pp_error err = { 0 };
    int64_t x;
    double d;
    const int64_t *xs;
    const double *ds;
    const void *b;
    size_t n;
    char s[4];
    assert_int_equal(pp_arg_i64(f->v, 5, 3, &x, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 3 is a str, expected one i64");
    assert_int_equal(pp_arg_i64(f->v, 5, 1, &x, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 1 is an i64 array of 3 items, "
                                 "expected one i64");
    assert_int_equal(pp_arg_i64(f->v, 5, 2, &x, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 2 is one f64, expected one i64");
    assert_int_equal(pp_arg_f64(f->v, 5, 4, &d, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 4 is bytes, expected one f64");
    assert_int_equal(pp_arg_str(f->v, 5, 0, s, sizeof s, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 0 is one i64, expected a str");
    assert_int_equal(pp_arg_str(f->v, 5, 3, s, sizeof s, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 3 is a str of 5 bytes, longer "
                                 "than 3");
    assert_int_equal(pp_arg_i64s(f->v, 5, 2, &xs, &n, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 2 is one f64, expected an i64 "
                                 "array");
    assert_int_equal(pp_arg_f64s(f->v, 5, 1, &ds, &n, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 1 is an i64 array of 3 items, "
                                 "expected an f64 array");
    assert_int_equal(pp_arg_bytes(f->v, 5, 0, &b, &n, &err), PP_EINVAL);
    assert_string_equal(err.msg, "argument 0 is one i64, expected bytes");
}

static void results_are_appended_in_order(void **state)
{
    (void)state;
    pp_values out = { 0 };
    pp_error err = { 0 };
    static const int64_t xs[2] = { -1, 1 };
    assert_int_equal(pp_ret_i64(&out, 42, &err), 0);
    assert_int_equal(pp_ret_f64(&out, 2.5, &err), 0);
    assert_int_equal(pp_ret_str(&out, "done", &err), 0);
    assert_int_equal(pp_ret_bytes(&out, "ab", 2, &err), 0);
    assert_int_equal(pp_ret_i64s(&out, xs, 2, &err), 0);
    int64_t *y = pp_ret_i64_array(&out, 3, &err);
    assert_non_null(y);
    y[2] = 9;
    double *z = pp_ret_f64_array(&out, 0, &err);
    assert_non_null(z);
    assert_int_equal(out.n, 7);
    assert_int_equal(out.v[0].type, PP_T_I64);
    assert_int_equal(pp_value_i64s(&out.v[0])[0], 42);
    assert_true(pp_value_f64s(&out.v[1])[0] == 2.5);
    assert_int_equal(out.v[2].type, PP_T_STR);
    assert_int_equal(out.v[2].size, 4);
    assert_memory_equal(out.v[2].data, "done", 4);
    assert_int_equal(out.v[3].type, PP_T_BYTES);
    assert_int_equal(pp_value_count(&out.v[4]), 2);
    assert_int_equal(pp_value_i64s(&out.v[5])[0], 0); /* zeroed */
    assert_int_equal(pp_value_i64s(&out.v[5])[2], 9);
    assert_int_equal(pp_value_count(&out.v[6]), 0);
    assert_int_equal(out.v[6].type, PP_T_F64);
    pp_values_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(readers_return_the_values, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_missing_argument_says_which_and_what,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_wrong_type_says_what_it_got, setup,
                                        teardown),
        cmocka_unit_test(results_are_appended_in_order),
    };
    return cmocka_run_group_tests_name("workload_args", tests, NULL, NULL);
}
