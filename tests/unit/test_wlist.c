/* test_wlist.c - `driver workloads` prints the union of the tables the
 * engines send, naming the engines that lack a workload. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "wlist.h"

/* What pp_wlist_print writes for these engines (NULL on an error, with
 * *rc set). */
static char *print(const pp_wlist_engine *e, size_t n, int *rc,
                   pp_error *err)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    *rc = pp_wlist_print(f, e, n, err);
    fclose(f);
    return text;
}

#define ENGINE(id, s) { (id), (s), sizeof(s) - 1 }

static void engines_alike_print_one_table(void **state)
{
    (void)state;
    static const char t[] = "hello\treturns the string 'Hello World'\n"
                            "pairs_local\tthe same over a file\n";
    pp_wlist_engine e[] = { ENGINE(0, t), ENGINE(1, t), ENGINE(5, t) };
    pp_error err = { 0 };
    int rc;
    char *out = print(e, 3, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(out,
                        "hello        built in  returns the string 'Hello "
                        "World'\n"
                        "pairs_local  built in  the same over a file\n");
    free(out);
}

/* An x86 engine with a workload the ARM ones lack, an older ARM engine
 * without the newest one: each line says where it is missing. */
static void engines_that_differ_are_named(void **state)
{
    (void)state;
    pp_wlist_engine e[] = {
        ENGINE(0, "hello\thi\npi_avx2\tfast leaves\nworkloads\tthis table\n"),
        ENGINE(1, "hello\thi\nworkloads\tthis table\npi_neon\tarm leaves\n"),
        ENGINE(3, "hello\thi\npi_neon\tarm leaves"), /* no newline at end */
    };
    pp_error err = { 0 };
    int rc;
    char *out = print(e, 3, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(out,
                        "hello      built in  hi\n"
                        "pi_avx2    built in  fast leaves (not on engines 1, "
                        "3)\n"
                        "workloads  built in  this table (not on engine 3)\n"
                        "pi_neon    built in  arm leaves (not on engine 0)\n");
    free(out);
}

/* What an engine sends is text from the wire: control bytes do not reach
 * the terminal, lines without a tab are skipped, long names are cut. */
static void odd_tables_print_as_plain_text(void **state)
{
    (void)state;
    static const char t[] =
        "\x1b[2Jevil\tclears\x07 the screen\r\n"
        "no tab here\n"
        "\tno name\n"
        "a_name_far_longer_than_thirty_one_characters\tlong\n";
    pp_wlist_engine e[] = { ENGINE(2, t) };
    pp_error err = { 0 };
    int rc;
    char *out = print(e, 1, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "?[2Jevil                         built in  "
                             "clears? the screen?\n"
                             "a_name_far_longer_than_thirty_o  built in  "
                             "long\n");
    free(out);
}

/* A loaded module's workloads carry the module's name as a third field;
 * the engine that has not loaded it yet is named. */
static void modules_are_named_beside_their_workloads(void **state)
{
    (void)state;
    pp_wlist_engine e[] = {
        ENGINE(0, "hello\thi\nsquare\tx*x\tsq\nsum_range\tsums\tsq\n"),
        ENGINE(1, "hello\thi\n"),
    };
    pp_error err = { 0 };
    int rc;
    char *out = print(e, 2, &rc, &err);
    assert_int_equal(rc, 0);
    assert_string_equal(out,
                        "hello      built in  hi\n"
                        "square     sq        x*x (not on engine 1)\n"
                        "sum_range  sq        sums (not on engine 1)\n");
    free(out);
}

static void no_workload_at_all_is_an_error(void **state)
{
    (void)state;
    pp_wlist_engine e[] = { ENGINE(0, ""), ENGINE(1, "garbage") };
    pp_error err = { 0 };
    int rc;
    char *out = print(e, 2, &rc, &err);
    assert_int_equal(rc, PP_EINVAL);
    assert_string_equal(err.msg, "no engine listed a workload");
    assert_string_equal(out, "");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(engines_alike_print_one_table),
        cmocka_unit_test(engines_that_differ_are_named),
        cmocka_unit_test(odd_tables_print_as_plain_text),
        cmocka_unit_test(modules_are_named_beside_their_workloads),
        cmocka_unit_test(no_workload_at_all_is_an_error),
    };
    return cmocka_run_group_tests_name("wlist", tests, NULL, NULL);
}
