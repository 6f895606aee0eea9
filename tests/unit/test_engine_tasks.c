/* test_engine_tasks.c - the engine's own task running (engine/tasks.c),
 * without sockets: a scattered block keeps its part through push, execute
 * and pull; a malformed part is refused with its message; an unknown
 * workload and a missing variable are named. */
#include <stdlib.h>

#include "modules.h"
#include "namespace.h"
#include "tasks.h"
#include "unit.h"

static pp_namespace ns;
static modules mods;

static int setup(void **state)
{
    (void)state;
    modules_config cfg = { .refuse = true };
    memset(&ns, 0, sizeof ns);
    modules_init(&mods, &cfg);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ns_free(&ns);
    modules_free(&mods);
    return 0;
}

/* Runs a task of kind on the values given; returns its code, results in
 * out (the caller frees them). */
static int run(pp_task_kind kind, const char *name, pp_value *v, size_t n,
               pp_values *out, pp_error *err)
{
    pp_header h = { .type = PP_MSG_TASK, .kind = (uint8_t)kind };
    assert_int_equal(pp_header_set_name(&h, name, err), 0);
    pp_values in = { 0 };
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pp_values_push(&in, &v[i]), 0);
    memset(out, 0, sizeof *out);
    int rc = engine_run_task(&ns, &mods, &h, &in, out, err);
    pp_values_free(&in);
    return rc;
}

static void a_block_keeps_its_part_through_execute_and_pull(void **state)
{
    (void)state;
    pp_values out;
    pp_error err = { 0 };
    pp_value v[3];
    int64_t x[3] = { 2, 3, 4 }, part[3] = { 77, 1, 2 }, e = 3;
    pp_value_str(&v[0], "x");
    pp_value_i64(&v[1], x, 3);
    pp_value_i64(&v[2], part, 3);
    assert_int_equal(run(PP_TASK_PUSH, "push", v, 3, &out, &err), 0);
    pp_values_free(&out);

    pp_value_str(&v[0], "x");
    pp_value_str(&v[1], "y");
    pp_value_i64(&v[2], &e, 1);
    assert_int_equal(run(PP_TASK_EXECUTE, "powers", v, 3, &out, &err), 0);
    pp_values_free(&out);

    pp_value_str(&v[0], "y");
    assert_int_equal(run(PP_TASK_PULL, "pull", v, 1, &out, &err), 0);
    assert_int_equal(out.n, 2);
    assert_memory_equal(pp_value_i64s(&out.v[0]),
                        ((int64_t[]){ 8, 27, 64 }), 3 * sizeof(int64_t));
    assert_memory_equal(pp_value_i64s(&out.v[1]), part, sizeof part);
    pp_values_free(&out);
}

static void a_pushed_value_has_no_part(void **state)
{
    (void)state;
    pp_values out;
    pp_error err = { 0 };
    pp_value v[2];
    int64_t x = 5;
    pp_value_str(&v[0], "z");
    pp_value_i64(&v[1], &x, 1);
    assert_int_equal(run(PP_TASK_PUSH, "push", v, 2, &out, &err), 0);
    pp_values_free(&out);
    pp_value_str(&v[0], "z");
    assert_int_equal(run(PP_TASK_PULL, "pull", v, 1, &out, &err), 0);
    assert_int_equal(out.n, 1);
    pp_values_free(&out);
}

static void a_malformed_part_is_refused(void **state)
{
    (void)state;
    int64_t bad[][3] = { { 1, 2, 2 }, { 1, -1, 2 }, { 1, 0, 0 } };
    for (size_t i = 0; i < 3; i++) {
        pp_values out;
        pp_error err = { 0 };
        pp_value v[3];
        int64_t x = 1;
        pp_value_str(&v[0], "w");
        pp_value_i64(&v[1], &x, 1);
        pp_value_i64(&v[2], bad[i], 3);
        assert_int_equal(run(PP_TASK_PUSH, "push", v, 3, &out, &err),
                         PP_EINVAL);
        assert_string_equal(err.msg,
                             "push of 'w': its part must be i64 [scatter, "
                             "index, count] with 0 <= index < count");
        pp_values_free(&out);
    }
}

static void unknown_names_are_named(void **state)
{
    (void)state;
    pp_values out;
    pp_error err = { 0 };
    assert_int_equal(run(PP_TASK_APPLY, "nosuch", NULL, 0, &out, &err),
                     PP_ENOENT);
    assert_string_equal(err.msg, "no workload named 'nosuch'");
    pp_values_free(&out);
    pp_value v;
    pp_value_str(&v, "missing");
    assert_int_equal(run(PP_TASK_PULL, "pull", &v, 1, &out, &err),
                     PP_ENOENT);
    assert_string_equal(err.msg, "no variable 'missing'");
    pp_values_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_block_keeps_its_part_through_execute_and_pull),
        cmocka_unit_test(a_pushed_value_has_no_part),
        cmocka_unit_test(a_malformed_part_is_refused),
        cmocka_unit_test(unknown_names_are_named),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
