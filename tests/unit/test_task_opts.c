/* test_task_opts.c - a task's timeout is checked by the client before it
 * goes on the wire as the header's timeout_ms. */
#include "unit.h"

#include <math.h>

#include "client_internal.h"

static void assert_timeout_refused(double s, const char *want)
{
    int64_t ms = 4242;
    pp_error err = { 0 };
    assert_int_equal(pp_task_timeout_ms(s, &ms, &err), PP_EINVAL);
    assert_string_equal(err.msg, want);
    assert_i64_equal(ms, 4242);
}

static void timeouts_out_of_range_are_refused(void **state)
{
    (void)state;
    assert_timeout_refused(
        -1, "task timeout: -1 s is out of range (0 to 2592000 s; 0: no "
            "limit)");
    assert_timeout_refused(
        -1e-9, "task timeout: -1e-09 s is out of range (0 to 2592000 s; 0: "
               "no limit)");
    assert_timeout_refused(
        2592000.5, "task timeout: 2.592e+06 s is out of range (0 to 2592000 "
                   "s; 0: no limit)");
    assert_timeout_refused(
        1e300, "task timeout: 1e+300 s is out of range (0 to 2592000 s; 0: "
               "no limit)");
    assert_timeout_refused(
        INFINITY, "task timeout: inf s is out of range (0 to 2592000 s; 0: "
                  "no limit)");
    assert_timeout_refused(
        NAN, "task timeout: nan s is out of range (0 to 2592000 s; 0: no "
             "limit)");
}

static void timeouts_in_range_become_whole_ms(void **state)
{
    (void)state;
    struct {
        double s;
        int64_t ms;
    } ok[] = { { 0, 0 },          { 0.2, 200 },   { 1e-6, 1 },
               { 0.0015, 2 },     { 0.3, 300 },   { 0.0004, 1 },     { 30, 30000 },  { 2592000, 2592000000 } };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ms = -1;
        pp_error err = { 0 };
        assert_int_equal(pp_task_timeout_ms(ok[i].s, &ms, &err), 0);
        assert_i64_equal(ms, ok[i].ms);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timeouts_out_of_range_are_refused),
        cmocka_unit_test(timeouts_in_range_become_whole_ms),
    };
    return cmocka_run_group_tests_name("task_opts", tests, NULL, NULL);
}
