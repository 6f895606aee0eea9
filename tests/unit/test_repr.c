/* test_repr.c - Python-style printing, captured with open_memstream. The
 * expected strings are what CPython 3 prints for the same list or str. */
#include <stdio.h>
#include <stdlib.h>

#include "repr.h"
#include "unit.h"

/* A stream into memory; done() closes it and returns the text. */
typedef struct capture {
    FILE *f;
    char *text;
    size_t size;
} capture;

static FILE *start(capture *c)
{
    c->text = NULL;
    c->size = 0;
    c->f = open_memstream(&c->text, &c->size);
    assert_non_null(c->f);
    return c->f;
}

/* Closes the stream and returns its text in a static buffer, having freed
 * the stream's own, so that a failing assertion leaks nothing. */
static const char *done(capture *c)
{
    static char text[4096];
    int rc = fclose(c->f);
    snprintf(text, sizeof text, "%s", c->text ? c->text : "");
    free(c->text);
    assert_int_equal(rc, 0);
    return text;
}

static void assert_i64s_repr(const int64_t *items, size_t n, const char *want)
{
    capture c;
    pp_repr_i64s(start(&c), items, n);
    assert_string_equal(done(&c), want);
}

static void assert_str_repr(const char *s, size_t len, const char *want)
{
    capture c;
    pp_repr_str(start(&c), s, len);
    assert_string_equal(done(&c), want);
}

static void assert_value_repr(const pp_value *v, const char *want)
{
    capture c;
    pp_repr_value(start(&c), v);
    assert_string_equal(done(&c), want);
}

#define STR(s) s, sizeof(s) - 1

static void i64s_print_as_a_python_list(void **state)
{
    (void)state;
    static const int64_t items[] = { 0, 1, 1024 };
    assert_i64s_repr(items, 3, "[0, 1, 1024]");
}

static void no_i64s_print_as_an_empty_list(void **state)
{
    (void)state;
    assert_i64s_repr(NULL, 0, "[]");
}

static void one_i64_prints_without_a_separator(void **state)
{
    (void)state;
    static const int64_t items[] = { -7 };
    assert_i64s_repr(items, 1, "[-7]");
}

static void extreme_i64s_print_in_full(void **state)
{
    (void)state;
    static const int64_t items[] = { INT64_MIN, INT64_MAX, -1 };
    assert_i64s_repr(items, 3,
                     "[-9223372036854775808, 9223372036854775807, -1]");
}

static void powers_of_range_8_print_like_the_article(void **state)
{
    (void)state;
    static const int64_t items[] = { 0, 1, 1024, 59049, 1048576, 9765625,
                                     60466176, 282475249 };
    assert_i64s_repr(items, 8,
                     "[0, 1, 1024, 59049, 1048576, 9765625, 60466176, "
                     "282475249]");
}

static void str_prints_in_single_quotes(void **state)
{
    (void)state;
    assert_str_repr(STR("Hello World"), "'Hello World'");
    assert_str_repr(STR(""), "''");
}

static void str_with_a_single_quote_prints_in_double_quotes(void **state)
{
    (void)state;
    assert_str_repr(STR("it's"), "\"it's\"");
}

static void str_with_a_double_quote_stays_in_single_quotes(void **state)
{
    (void)state;
    assert_str_repr(STR("say \"hi\""), "'say \"hi\"'");
}

static void str_with_both_quotes_escapes_the_single_ones(void **state)
{
    (void)state;
    /* Python: repr('it\'s "x"') == '\'it\\\'s "x"\'' */
    assert_str_repr(STR("it's \"x\""), "'it\\'s \"x\"'");
}

static void str_escapes_a_backslash(void **state)
{
    (void)state;
    assert_str_repr(STR("a\\b"), "'a\\\\b'");
    assert_str_repr(STR("\\"), "'\\\\'");
}

static void str_escapes_newline_and_tab(void **state)
{
    (void)state;
    assert_str_repr(STR("a\nb"), "'a\\nb'");
    assert_str_repr(STR("a\tb"), "'a\\tb'");
    assert_str_repr(STR("line\n"), "'line\\n'");
}

static void str_escapes_other_control_bytes_in_hex(void **state)
{
    (void)state;
    assert_str_repr("a\0b", 3, "'a\\x00b'");
    assert_str_repr(STR("\x1b[0m"), "'\\x1b[0m'");
    assert_str_repr(STR("\x7f"), "'\\x7f'");
    assert_str_repr(STR("\x01"), "'\\x01'");
}

static void str_escapes_a_carriage_return_as_python_does(void **state)
{
    (void)state;
    /* CPython: repr('a\rb') == "'a\\rb'" - \r is one of the three short
     * escapes repr uses, with \n and \t. */
    assert_str_repr(STR("a\rb"), "'a\\rb'");
}

static void str_prints_only_len_bytes(void **state)
{
    (void)state;
    assert_str_repr("Hello World", 5, "'Hello'");
}

static void str_passes_utf8_text_through(void **state)
{
    (void)state;
    assert_str_repr(STR("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

static void value_of_i64s_prints_as_a_list(void **state)
{
    (void)state;
    static const int64_t items[] = { 0, 1, 1024 };
    pp_value v;
    pp_value_borrow(&v, PP_T_I64, items, sizeof items);
    assert_value_repr(&v, "[0, 1, 1024]");
    pp_value_borrow(&v, PP_T_I64, items, 0);
    assert_value_repr(&v, "[]");
}

static void value_of_a_str_prints_quoted(void **state)
{
    (void)state;
    pp_value v;
    pp_value_borrow(&v, PP_T_STR, "Hello World", 11);
    assert_value_repr(&v, "'Hello World'");
}

static void value_of_f64s_prints_as_a_list_of_numbers(void **state)
{
    (void)state;
    static const double items[] = { 0.5, -0.25, 1e100 };
    pp_value v;
    pp_value_borrow(&v, PP_T_F64, items, sizeof items);
    assert_value_repr(&v, "[0.5, -0.25, 1e+100]");
}

static void value_of_bytes_bigint_or_nothing_prints_a_summary(void **state)
{
    (void)state;
    static const uint8_t bytes[24];
    pp_value v;
    pp_value_borrow(&v, PP_T_BYTES, bytes, 5);
    assert_value_repr(&v, "<5 bytes>");
    pp_value_borrow(&v, PP_T_BIGINT, bytes, 24);
    assert_value_repr(&v, "<bigint of 24 bytes>");
    memset(&v, 0, sizeof v);
    assert_value_repr(&v, "None");
}

static void output_written_to_a_fixed_buffer_matches(void **state)
{
    (void)state;
    /* fmemopen: the functions write to any FILE, not just memstreams. */
    char buf[64] = { 0 };
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    static const int64_t items[] = { 3, 2, 1 };
    pp_repr_i64s(f, items, 3);
    fputc(' ', f);
    pp_repr_str(f, STR("ok"));
    assert_int_equal(fclose(f), 0);
    assert_string_equal(buf, "[3, 2, 1] 'ok'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(i64s_print_as_a_python_list),
        cmocka_unit_test(no_i64s_print_as_an_empty_list),
        cmocka_unit_test(one_i64_prints_without_a_separator),
        cmocka_unit_test(extreme_i64s_print_in_full),
        cmocka_unit_test(powers_of_range_8_print_like_the_article),
        cmocka_unit_test(str_prints_in_single_quotes),
        cmocka_unit_test(str_with_a_single_quote_prints_in_double_quotes),
        cmocka_unit_test(str_with_a_double_quote_stays_in_single_quotes),
        cmocka_unit_test(str_with_both_quotes_escapes_the_single_ones),
        cmocka_unit_test(str_escapes_a_backslash),
        cmocka_unit_test(str_escapes_newline_and_tab),
        cmocka_unit_test(str_escapes_other_control_bytes_in_hex),
        cmocka_unit_test(str_escapes_a_carriage_return_as_python_does),
        cmocka_unit_test(str_prints_only_len_bytes),
        cmocka_unit_test(str_passes_utf8_text_through),
        cmocka_unit_test(value_of_i64s_prints_as_a_list),
        cmocka_unit_test(value_of_a_str_prints_quoted),
        cmocka_unit_test(value_of_f64s_prints_as_a_list_of_numbers),
        cmocka_unit_test(value_of_bytes_bigint_or_nothing_prints_a_summary),
        cmocka_unit_test(output_written_to_a_fixed_buffer_matches),
    };
    return cmocka_run_group_tests_name("repr", tests, NULL, NULL);
}
