/* test_args.c - strict parsing of option values. */
#include <float.h>

#include "args.h"
#include "unit.h"

/* Expects s to be refused for --n in [min, max] with a message holding
 * every one of the given pieces, and *out left alone. */
static void assert_i64_refused(const char *s, int64_t min, int64_t max,
                               const char *piece1, const char *piece2)
{
    int64_t out = 12345;
    pp_error err = { 0 };
    int rc = pp_parse_i64("--n", s, min, max, &out, &err);
    if (rc != PP_EINVAL)
        fail_msg("'%s' gave %d (out %lld), want PP_EINVAL", s ? s : "(null)",
                 rc, (long long)out);
    assert_int_equal(err.code, PP_EINVAL);
    assert_i64_equal(out, 12345);
    assert_contains(err.msg, "--n: ");
    if (piece1)
        assert_contains(err.msg, piece1);
    if (piece2)
        assert_contains(err.msg, piece2);
}

static int64_t parsed_i64(const char *s, int64_t min, int64_t max)
{
    int64_t out = -12345;
    pp_error err = { 0 };
    int rc = pp_parse_i64("--n", s, min, max, &out, &err);
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, err.msg);
    return out;
}

static void parse_i64_accepts_whole_decimal_numbers(void **state)
{
    (void)state;
    assert_i64_equal(parsed_i64("64", 0, 100), 64);
    assert_i64_equal(parsed_i64("0", 0, 100), 0);
    assert_i64_equal(parsed_i64("100", 0, 100), 100);
    assert_i64_equal(parsed_i64("007", 0, 100), 7);
    assert_i64_equal(parsed_i64("-5", -10, 10), -5);
    assert_i64_equal(parsed_i64("9223372036854775807", 0, INT64_MAX),
                     INT64_MAX);
    assert_i64_equal(parsed_i64("-9223372036854775808", INT64_MIN, 0),
                     INT64_MIN);
}

static void parse_i64_refuses_an_empty_string(void **state)
{
    (void)state;
    assert_i64_refused("", 0, 100, "'' is not a whole number", NULL);
    assert_i64_refused(NULL, 0, 100, "is not a whole number", NULL);
}

static void parse_i64_refuses_text_that_is_not_a_number(void **state)
{
    (void)state;
    assert_i64_refused("abc", 0, 100, "--n: 'abc' is not a whole number",
                       NULL);
    assert_i64_refused("6x", 0, 100, "'6x' is not a whole number", NULL);
    assert_i64_refused("1e3", 0, 10000, "'1e3' is not a whole number", NULL);
    assert_i64_refused("1.5", 0, 100, "'1.5' is not a whole number", NULL);
    assert_i64_refused("0x10", 0, 100, "'0x10' is not a whole number", NULL);
    assert_i64_refused("-", -10, 10, "'-' is not a whole number", NULL);
}

static void parse_i64_refuses_spaces_and_a_plus_sign(void **state)
{
    (void)state;
    assert_i64_refused(" 5", 0, 100, "' 5' is not a whole number", NULL);
    assert_i64_refused("\t5", 0, 100, "is not a whole number", NULL);
    assert_i64_refused("5 ", 0, 100, "'5 ' is not a whole number", NULL);
    assert_i64_refused("+5", 0, 100, "'+5' is not a whole number", NULL);
}

static void parse_i64_says_a_negative_number_is_negative(void **state)
{
    (void)state;
    assert_i64_refused("-1", 0, 100, "--n: -1 is negative",
                       "at least 0");
    assert_i64_refused("-7", 1, 100, "-7 is negative", "at least 1");
}

static void parse_i64_refuses_numbers_out_of_range(void **state)
{
    (void)state;
    assert_i64_refused("101", 0, 100, "--n: 101 is out of range (0 to 100)",
                       NULL);
    assert_i64_refused("0", 1, 100, "0 is out of range (1 to 100)", NULL);
    assert_i64_refused("-11", -10, 10, "-11 is out of range (-10 to 10)",
                       NULL);
    /* Beyond int64 altogether. */
    assert_i64_refused("9223372036854775808", 0, INT64_MAX,
                       "9223372036854775808 is out of range", NULL);
    assert_i64_refused("99999999999999999999999", 0, 100, "out of range",
                       NULL);
    assert_i64_refused("-99999999999999999999999", 0, 100, "out of range",
                       NULL);
}

static void parse_i64_names_the_option_it_parses(void **state)
{
    (void)state;
    int64_t out;
    pp_error err = { 0 };
    assert_int_equal(pp_parse_i64("--engines", "many", 1, 64, &out, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--engines: 'many' is not a whole number");
    assert_int_equal(pp_parse_i64("--engines", "65", 1, 64, &out, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--engines: 65 is out of range (1 to 64)");
    assert_int_equal(pp_parse_i64("--engines", "-2", 1, 64, &out, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg,
                        "--engines: -2 is negative; it must be at least 1");
    /* A NULL err is allowed. */
    assert_int_equal(pp_parse_i64("--engines", "x", 1, 64, &out, NULL),
                     PP_EINVAL);
}

static double parsed_seconds(const char *s, double min, double max)
{
    double out = -1;
    pp_error err = { 0 };
    int rc = pp_parse_seconds("--timeout", s, min, max, &out, &err);
    if (rc != 0)
        fail_msg("'%s' refused: %s", s, err.msg);
    return out;
}

static void assert_seconds_refused(const char *s, double min, double max,
                                   const char *piece)
{
    double out = 12.5;
    pp_error err = { 0 };
    int rc = pp_parse_seconds("--timeout", s, min, max, &out, &err);
    if (rc != PP_EINVAL)
        fail_msg("'%s' gave %d (out %g), want PP_EINVAL", s ? s : "(null)",
                 rc, out);
    assert_int_equal(err.code, PP_EINVAL);
    assert_true(out == 12.5);
    assert_contains(err.msg, "--timeout: ");
    assert_contains(err.msg, piece);
}

static void parse_seconds_accepts_decimal_numbers(void **state)
{
    (void)state;
    assert_true(parsed_seconds("30", 0.001, 86400) == 30.0);
    assert_true(parsed_seconds("0.5", 0.001, 86400) == 0.5);
    assert_true(parsed_seconds(".25", 0.001, 86400) == 0.25);
    assert_true(parsed_seconds("0.001", 0.001, 86400) == 0.001);
    assert_true(parsed_seconds("86400", 0.001, 86400) == 86400.0);
    assert_true(parsed_seconds("1.5e1", 0, 100) == 15.0);
}

static void parse_seconds_refuses_what_is_not_a_number(void **state)
{
    (void)state;
    assert_seconds_refused("", 0, 100, "'' is not a number");
    assert_seconds_refused(NULL, 0, 100, "is not a number");
    assert_seconds_refused("abc", 0, 100, "'abc' is not a number");
    assert_seconds_refused("5s", 0, 100, "'5s' is not a number");
    assert_seconds_refused(" 5", 0, 100, "' 5' is not a number");
    assert_seconds_refused("5 ", 0, 100, "'5 ' is not a number");
    assert_seconds_refused("1..2", 0, 100, "'1..2' is not a number");
}

static void parse_seconds_refuses_infinity_and_nan(void **state)
{
    (void)state;
    assert_seconds_refused("inf", 0, DBL_MAX, "'inf' is not a number");
    assert_seconds_refused("infinity", 0, DBL_MAX, "is not a number");
    assert_seconds_refused("nan", 0, DBL_MAX, "'nan' is not a number");
    assert_seconds_refused("1e999", 0, DBL_MAX, "'1e999' is not a number");
}

static void parse_seconds_refuses_numbers_out_of_range(void **state)
{
    (void)state;
    assert_seconds_refused("-1", 0.001, 86400,
                           "-1 is out of range (0.001 to 86400 seconds)");
    assert_seconds_refused("0", 0.001, 86400, "0 is out of range");
    assert_seconds_refused("86400.5", 0.001, 86400,
                           "86400.5 is out of range");
    pp_error err = { 0 };
    double out;
    assert_int_equal(
        pp_parse_seconds("--wait", "4000", 0.1, 3600, &out, &err), PP_EINVAL);
    assert_string_equal(err.msg,
                        "--wait: 4000 is out of range (0.1 to 3600 seconds)");
}

static void parse_bytes_reads_plain_numbers_and_suffixes(void **state)
{
    (void)state;
    int64_t out = 0;
    assert_int_equal(pp_parse_bytes("--max", "4096", 1024, 1LL << 40, &out,
                                    NULL),
                     0);
    assert_i64_equal(out, 4096);
    assert_int_equal(pp_parse_bytes("--max", "64K", 1024, 1LL << 40, &out,
                                    NULL),
                     0);
    assert_i64_equal(out, 65536);
    assert_int_equal(pp_parse_bytes("--max", "512M", 1024, 1LL << 40, &out,
                                    NULL),
                     0);
    assert_i64_equal(out, 512LL << 20);
    assert_int_equal(pp_parse_bytes("--max", "1G", 1024, 1LL << 40, &out,
                                    NULL),
                     0);
    assert_i64_equal(out, 1LL << 30);
}

static void parse_bytes_refuses_bad_sizes_naming_them(void **state)
{
    (void)state;
    static const struct {
        const char *s, *piece;
    } bad[] = {
        { "", "'' is not a size" },       { "G", "'G' is not a size" },
        { "1.5G", "'1.5G' is not a size" }, { "-1K", "'-1K' is not a size" },
        { "10k", "'10k' is not a size" }, { "1T", "'1T' is not a size" },
        { "1023", "1023 is out of range (1024 to" },
        { "2048G", "2048G is out of range" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t out = 7;
        pp_error err = { 0 };
        assert_int_equal(pp_parse_bytes("--max-message-size", bad[i].s, 1024,
                                        1LL << 40, &out, &err),
                         PP_EINVAL);
        assert_contains(err.msg, "--max-message-size: ");
        assert_contains(err.msg, bad[i].piece);
        assert_i64_equal(out, 7);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_i64_accepts_whole_decimal_numbers),
        cmocka_unit_test(parse_i64_refuses_an_empty_string),
        cmocka_unit_test(parse_i64_refuses_text_that_is_not_a_number),
        cmocka_unit_test(parse_i64_refuses_spaces_and_a_plus_sign),
        cmocka_unit_test(parse_i64_says_a_negative_number_is_negative),
        cmocka_unit_test(parse_i64_refuses_numbers_out_of_range),
        cmocka_unit_test(parse_i64_names_the_option_it_parses),
        cmocka_unit_test(parse_seconds_accepts_decimal_numbers),
        cmocka_unit_test(parse_seconds_refuses_what_is_not_a_number),
        cmocka_unit_test(parse_seconds_refuses_infinity_and_nan),
        cmocka_unit_test(parse_seconds_refuses_numbers_out_of_range),
        cmocka_unit_test(parse_bytes_reads_plain_numbers_and_suffixes),
        cmocka_unit_test(parse_bytes_refuses_bad_sizes_naming_them),
    };
    return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
