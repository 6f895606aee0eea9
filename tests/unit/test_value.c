/* test_value.c - typed values: constructors, ownership, checks, lists. */
#include <stdio.h>
#include <stdlib.h>

#include "pipar/value.h"
#include "unit.h"

static int releases;
static void *released_data;
static void *released_hint;

static void counting_release(void *data, void *hint)
{
    releases++;
    released_data = data;
    released_hint = hint;
    free(data);
}

static int reset_counters(void **state)
{
    (void)state;
    releases = 0;
    released_data = released_hint = NULL;
    return 0;
}

static void type_names_are_the_ones_the_protocol_uses(void **state)
{
    (void)state;
    assert_string_equal(pp_type_name(PP_T_NONE), "none");
    assert_string_equal(pp_type_name(PP_T_I64), "i64");
    assert_string_equal(pp_type_name(PP_T_F64), "f64");
    assert_string_equal(pp_type_name(PP_T_BYTES), "bytes");
    assert_string_equal(pp_type_name(PP_T_STR), "str");
    assert_string_equal(pp_type_name(PP_T_BIGINT), "bigint");
    assert_string_equal(pp_type_name(PP_T_COUNT), "unknown");
    assert_string_equal(pp_type_name((pp_type)200), "unknown");
}

static void an_i64_value_owns_a_copy_of_its_items(void **state)
{
    (void)state;
    int64_t items[] = { 0, 1, -1, INT64_MAX, INT64_MIN };
    pp_value v;
    assert_int_equal(pp_value_i64(&v, items, 5), 0);
    assert_int_equal(v.type, PP_T_I64);
    assert_int_equal(v.size, 5 * sizeof(int64_t));
    assert_ptr_not_equal(v.data, items);
    assert_non_null(v.release);
    items[0] = 42; /* the value must not see this */
    const int64_t *got = pp_value_i64s(&v);
    assert_i64_equal(got[0], 0);
    assert_i64_equal(got[1], 1);
    assert_i64_equal(got[2], -1);
    assert_i64_equal(got[3], INT64_MAX);
    assert_i64_equal(got[4], INT64_MIN);
    assert_int_equal(pp_value_count(&v), 5);
    pp_value_free(&v);
}

static void an_f64_value_keeps_every_bit_of_its_doubles(void **state)
{
    (void)state;
    double items[] = { 0.1, -0.0, 1e308, 5e-324 };
    pp_value v;
    assert_int_equal(pp_value_f64(&v, items, 4), 0);
    assert_int_equal(v.type, PP_T_F64);
    assert_int_equal(v.size, 32);
    assert_memory_equal(v.data, items, sizeof items);
    assert_int_equal(pp_value_count(&v), 4);
    pp_value_free(&v);
}

static void a_str_value_holds_the_text_without_its_nul(void **state)
{
    (void)state;
    pp_value v;
    assert_int_equal(pp_value_str(&v, "Hello World"), 0);
    assert_int_equal(v.type, PP_T_STR);
    assert_int_equal(v.size, 11);
    assert_memory_equal(v.data, "Hello World", 11);
    assert_int_equal(pp_value_count(&v), 1);
    pp_value_free(&v);
}

static void an_empty_value_of_zero_items_is_valid_and_owned(void **state)
{
    (void)state;
    pp_value v;
    assert_int_equal(pp_value_i64(&v, NULL, 0), 0);
    assert_int_equal(v.type, PP_T_I64);
    assert_int_equal(v.size, 0);
    assert_non_null(v.data);
    assert_int_equal(pp_value_count(&v), 0);
    assert_int_equal(pp_value_check(&v, NULL), 0);
    pp_value_free(&v);

    assert_int_equal(pp_value_str(&v, ""), 0);
    assert_int_equal(v.size, 0);
    assert_int_equal(pp_value_count(&v), 1);
    char *s = pp_value_strdup(&v);
    assert_string_equal(s, "");
    free(s);
    pp_value_free(&v);
}

static void copy_makes_an_owning_deep_copy_of_a_borrowed_value(void **state)
{
    (void)state;
    int64_t items[] = { 7, 8, 9 };
    pp_value borrowed, copy;
    pp_value_borrow(&borrowed, PP_T_I64, items, sizeof items);
    assert_int_equal(pp_value_copy(&copy, &borrowed), 0);
    assert_int_equal(copy.type, PP_T_I64);
    assert_int_equal(copy.size, sizeof items);
    assert_ptr_not_equal(copy.data, items);
    assert_non_null(copy.release);
    assert_memory_equal(copy.data, items, sizeof items);
    items[1] = 0;
    assert_i64_equal(pp_value_i64s(&copy)[1], 8);
    pp_value_free(&copy);
    pp_value_free(&borrowed);
    /* The borrowed bytes are untouched by freeing the value. */
    assert_i64_equal(items[0], 7);
    assert_i64_equal(items[2], 9);
}

static void take_adopts_malloced_bytes_without_copying(void **state)
{
    (void)state;
    char *data = malloc(5);
    assert_non_null(data);
    memcpy(data, "bytes", 5);
    pp_value v;
    pp_value_take(&v, PP_T_BYTES, data, 5);
    assert_ptr_equal(v.data, data);
    assert_int_equal(v.size, 5);
    assert_int_equal(v.type, PP_T_BYTES);
    assert_non_null(v.release);
    /* Freeing releases the bytes (AddressSanitizer reports a leak if not). */
    pp_value_free(&v);
    assert_null(v.data);
}

static void borrow_neither_copies_nor_frees_the_bytes(void **state)
{
    (void)state;
    static const char text[] = "borrowed";
    pp_value v;
    pp_value_borrow(&v, PP_T_STR, text, 8);
    assert_ptr_equal(v.data, text);
    assert_null(v.release);
    assert_int_equal(v.size, 8);
    /* free() on static storage would crash or be reported. */
    pp_value_free(&v);
    assert_string_equal(text, "borrowed");
}

static void free_calls_the_release_once_and_is_safe_twice(void **state)
{
    (void)state;
    int hint_target;
    pp_value v = {
        .type = PP_T_BYTES,
        .size = 3,
        .data = malloc(3),
        .release = counting_release,
        .hint = &hint_target,
    };
    assert_non_null(v.data);
    void *data = v.data;
    pp_value_free(&v);
    assert_int_equal(releases, 1);
    assert_ptr_equal(released_data, data);
    assert_ptr_equal(released_hint, &hint_target);
    assert_int_equal(v.type, PP_T_NONE);
    assert_int_equal(v.size, 0);
    assert_null(v.data);
    assert_null(v.release);
    pp_value_free(&v);
    assert_int_equal(releases, 1);
}

static void check_accepts_whole_eight_byte_items(void **state)
{
    (void)state;
    static const uint8_t bytes[64];
    pp_value v;
    for (size_t size = 0; size <= 64; size += 8) {
        pp_value_borrow(&v, PP_T_I64, bytes, size);
        assert_int_equal(pp_value_check(&v, NULL), 0);
        pp_value_borrow(&v, PP_T_F64, bytes, size);
        assert_int_equal(pp_value_check(&v, NULL), 0);
    }
}

static void check_refuses_an_i64_value_of_twelve_bytes(void **state)
{
    (void)state;
    static const uint8_t bytes[12];
    pp_value v;
    pp_error err = { 0 };
    pp_value_borrow(&v, PP_T_I64, bytes, 12);
    assert_int_equal(pp_value_check(&v, &err), PP_EPROTO);
    assert_int_equal(err.code, PP_EPROTO);
    assert_contains(err.msg, "i64");
    assert_contains(err.msg, "12 bytes");

    pp_value_borrow(&v, PP_T_F64, bytes, 7);
    assert_int_equal(pp_value_check(&v, &err), PP_EPROTO);
    assert_contains(err.msg, "f64");
    assert_contains(err.msg, "7 bytes");
}

static void check_wants_a_bigint_of_at_least_one_whole_word(void **state)
{
    (void)state;
    static const uint8_t bytes[32];
    pp_value v;
    pp_error err = { 0 };
    size_t bad[] = { 0, 1, 4, 7, 9, 12, 15, 17 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp_value_borrow(&v, PP_T_BIGINT, bytes, bad[i]);
        assert_int_equal(pp_value_check(&v, &err), PP_EPROTO);
        assert_contains(err.msg, "bigint");
    }
    size_t good[] = { 8, 16, 24, 32 };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        pp_value_borrow(&v, PP_T_BIGINT, bytes, good[i]);
        assert_int_equal(pp_value_check(&v, NULL), 0);
    }
}

static void check_accepts_bytes_and_str_of_any_size(void **state)
{
    (void)state;
    static const uint8_t bytes[13];
    pp_value v;
    for (size_t size = 0; size <= 13; size++) {
        pp_value_borrow(&v, PP_T_BYTES, bytes, size);
        assert_int_equal(pp_value_check(&v, NULL), 0);
        pp_value_borrow(&v, PP_T_STR, bytes, size);
        assert_int_equal(pp_value_check(&v, NULL), 0);
    }
}

static void check_refuses_an_unknown_type(void **state)
{
    (void)state;
    pp_value v;
    pp_error err = { 0 };
    pp_value_borrow(&v, PP_T_COUNT, "x", 1);
    assert_int_equal(pp_value_check(&v, &err), PP_EPROTO);
    char want[64];
    snprintf(want, sizeof want, "unknown value type %d", (int)PP_T_COUNT);
    assert_contains(err.msg, want);
    pp_value_borrow(&v, (pp_type)255, "x", 1);
    assert_int_equal(pp_value_check(&v, &err), PP_EPROTO);
    assert_contains(err.msg, "255");
}

static void count_is_items_for_arrays_and_one_for_the_rest(void **state)
{
    (void)state;
    static const uint8_t bytes[40];
    pp_value v;
    pp_value_borrow(&v, PP_T_I64, bytes, 40);
    assert_int_equal(pp_value_count(&v), 5);
    pp_value_borrow(&v, PP_T_F64, bytes, 16);
    assert_int_equal(pp_value_count(&v), 2);
    pp_value_borrow(&v, PP_T_BYTES, bytes, 40);
    assert_int_equal(pp_value_count(&v), 1);
    pp_value_borrow(&v, PP_T_STR, bytes, 3);
    assert_int_equal(pp_value_count(&v), 1);
    pp_value_borrow(&v, PP_T_BIGINT, bytes, 24);
    assert_int_equal(pp_value_count(&v), 1);
    memset(&v, 0, sizeof v);
    assert_int_equal(pp_value_count(&v), 0);
}

static void strdup_terminates_a_str_and_refuses_other_types(void **state)
{
    (void)state;
    const char text[] = { 'a', 'b', 'c', 'X' }; /* no NUL after "abc" */
    pp_value v;
    pp_value_borrow(&v, PP_T_STR, text, 3);
    char *s = pp_value_strdup(&v);
    assert_non_null(s);
    assert_string_equal(s, "abc");
    assert_ptr_not_equal(s, text);
    free(s);

    pp_value_borrow(&v, PP_T_BYTES, text, 3);
    assert_null(pp_value_strdup(&v));
    pp_value_borrow(&v, PP_T_I64, text, 0);
    assert_null(pp_value_strdup(&v));
}

static void push_moves_values_into_a_growing_list(void **state)
{
    (void)state;
    pp_values list = { 0 };
    for (int64_t i = 0; i < 100; i++) {
        pp_value v;
        assert_int_equal(pp_value_i64(&v, &i, 1), 0);
        void *data = v.data;
        assert_int_equal(pp_values_push(&list, &v), 0);
        /* The list took the value; v is left empty. */
        assert_int_equal(v.type, PP_T_NONE);
        assert_null(v.data);
        assert_null(v.release);
        assert_ptr_equal(list.v[i].data, data);
        assert_int_equal(list.n, (size_t)i + 1);
        assert_true(list.cap >= list.n);
    }
    for (int64_t i = 0; i < 100; i++)
        assert_i64_equal(pp_value_i64s(&list.v[i])[0], i);
    pp_values_free(&list);
    assert_null(list.v);
    assert_int_equal(list.n, 0);
    assert_int_equal(list.cap, 0);
    /* Safe on an emptied list. */
    pp_values_free(&list);
}

static void freeing_a_list_releases_every_owned_value_once(void **state)
{
    (void)state;
    pp_values list = { 0 };
    for (int i = 0; i < 9; i++) {
        pp_value v = {
            .type = PP_T_BYTES,
            .size = 1,
            .data = malloc(1),
            .release = counting_release,
        };
        assert_non_null(v.data);
        assert_int_equal(pp_values_push(&list, &v), 0);
    }
    /* A borrowed value in the list is not released. */
    pp_value b;
    pp_value_borrow(&b, PP_T_STR, "static", 6);
    assert_int_equal(pp_values_push(&list, &b), 0);
    assert_int_equal(list.n, 10);
    pp_values_free(&list);
    assert_int_equal(releases, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names_are_the_ones_the_protocol_uses),
        cmocka_unit_test(an_i64_value_owns_a_copy_of_its_items),
        cmocka_unit_test(an_f64_value_keeps_every_bit_of_its_doubles),
        cmocka_unit_test(a_str_value_holds_the_text_without_its_nul),
        cmocka_unit_test(an_empty_value_of_zero_items_is_valid_and_owned),
        cmocka_unit_test(copy_makes_an_owning_deep_copy_of_a_borrowed_value),
        cmocka_unit_test(take_adopts_malloced_bytes_without_copying),
        cmocka_unit_test(borrow_neither_copies_nor_frees_the_bytes),
        cmocka_unit_test_setup(free_calls_the_release_once_and_is_safe_twice,
                               reset_counters),
        cmocka_unit_test(check_accepts_whole_eight_byte_items),
        cmocka_unit_test(check_refuses_an_i64_value_of_twelve_bytes),
        cmocka_unit_test(check_wants_a_bigint_of_at_least_one_whole_word),
        cmocka_unit_test(check_accepts_bytes_and_str_of_any_size),
        cmocka_unit_test(check_refuses_an_unknown_type),
        cmocka_unit_test(count_is_items_for_arrays_and_one_for_the_rest),
        cmocka_unit_test(strdup_terminates_a_str_and_refuses_other_types),
        cmocka_unit_test(push_moves_values_into_a_growing_list),
        cmocka_unit_test_setup(
            freeing_a_list_releases_every_owned_value_once, reset_counters),
    };
    return cmocka_run_group_tests_name("value", tests, NULL, NULL);
}
