/* test_idmap.c - the u64 -> pointer map, checked against a plain array. */
#include <stdlib.h>

#include "idmap.h"
#include "unit.h"

/* splitmix64: a bijection on 64-bit integers, so distinct inputs give
 * distinct, well-spread keys. */
static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t rng_state = 12345;
static uint64_t rng(void)
{
    rng_state = splitmix(rng_state);
    return rng_state;
}

static void assert_matches_reference(const pp_idmap *m, const uint64_t *keys,
                                     void *const *want, size_t n)
{
    size_t present = 0;
    for (size_t i = 0; i < n; i++) {
        void *got = pp_idmap_get(m, keys[i]);
        if (got != want[i])
            fail_msg("key %zu (%#llx): got %p, want %p", i,
                     (unsigned long long)keys[i], got, want[i]);
        present += want[i] != NULL;
    }
    assert_int_equal(m->n, present);
}

static void an_empty_map_finds_nothing_and_removes_nothing(void **state)
{
    (void)state;
    pp_idmap m = { 0 };
    assert_null(pp_idmap_get(&m, 0));
    assert_null(pp_idmap_get(&m, 42));
    assert_null(pp_idmap_remove(&m, 42));
    assert_int_equal(m.n, 0);
    pp_idmap_free(&m);
}

static void put_then_get_returns_the_value(void **state)
{
    (void)state;
    pp_idmap m = { 0 };
    int a, b, c;
    assert_int_equal(pp_idmap_put(&m, 1, &a), 0);
    assert_int_equal(pp_idmap_put(&m, 0, &b), 0); /* 0 is a key like any */
    assert_int_equal(pp_idmap_put(&m, UINT64_MAX, &c), 0);
    assert_ptr_equal(pp_idmap_get(&m, 1), &a);
    assert_ptr_equal(pp_idmap_get(&m, 0), &b);
    assert_ptr_equal(pp_idmap_get(&m, UINT64_MAX), &c);
    assert_null(pp_idmap_get(&m, 2));
    assert_int_equal(m.n, 3);
    assert_true(m.cap >= 4);
    assert_int_equal(m.cap & (m.cap - 1), 0); /* a power of two */
    pp_idmap_free(&m);
    assert_int_equal(m.n, 0);
    assert_int_equal(m.cap, 0);
    assert_null(pp_idmap_get(&m, 1));
}

static void put_of_a_present_key_replaces_its_value(void **state)
{
    (void)state;
    pp_idmap m = { 0 };
    int a, b;
    assert_int_equal(pp_idmap_put(&m, 7, &a), 0);
    assert_int_equal(pp_idmap_put(&m, 7, &b), 0);
    assert_int_equal(m.n, 1);
    assert_ptr_equal(pp_idmap_get(&m, 7), &b);
    assert_ptr_equal(pp_idmap_remove(&m, 7), &b);
    assert_null(pp_idmap_get(&m, 7));
    assert_int_equal(m.n, 0);
    pp_idmap_free(&m);
}

static void remove_of_an_absent_key_returns_null(void **state)
{
    (void)state;
    pp_idmap m = { 0 };
    int v[10];
    for (uint64_t k = 0; k < 10; k++)
        assert_int_equal(pp_idmap_put(&m, k * 1000, &v[k]), 0);
    assert_null(pp_idmap_remove(&m, 1));
    assert_null(pp_idmap_remove(&m, 999));
    assert_int_equal(m.n, 10);
    assert_ptr_equal(pp_idmap_remove(&m, 3000), &v[3]);
    assert_null(pp_idmap_remove(&m, 3000)); /* already gone */
    assert_int_equal(m.n, 9);
    for (uint64_t k = 0; k < 10; k++)
        assert_ptr_equal(pp_idmap_get(&m, k * 1000), k == 3 ? NULL : &v[k]);
    pp_idmap_free(&m);
}

static void hundred_thousand_keys_with_random_removals_match_an_array(
    void **state)
{
    (void)state;
    enum { N = 100000 };
    uint64_t *keys = malloc(N * sizeof *keys);
    void **want = calloc(N, sizeof *want);
    char *slots = malloc(N); /* values: distinct, non-NULL pointers */
    assert_non_null(keys);
    assert_non_null(want);
    assert_non_null(slots);
    for (size_t i = 0; i < N; i++)
        keys[i] = splitmix(i);

    pp_idmap m = { 0 };
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(pp_idmap_put(&m, keys[i], &slots[i]), 0);
        want[i] = &slots[i];
    }
    assert_int_equal(m.n, N);
    assert_true(m.cap * 3 >= m.n * 4); /* load stays at most 3/4 */
    assert_matches_reference(&m, keys, want, N);

    /* Three rounds of random removals and re-insertions. */
    for (int round = 0; round < 3; round++) {
        for (size_t k = 0; k < N / 2; k++) {
            size_t i = (size_t)(rng() % N);
            void *got = pp_idmap_remove(&m, keys[i]);
            if (got != want[i])
                fail_msg("round %d: remove key %zu gave %p, want %p", round,
                         i, got, want[i]);
            want[i] = NULL;
        }
        assert_matches_reference(&m, keys, want, N);
        for (size_t k = 0; k < N / 4; k++) {
            size_t i = (size_t)(rng() % N);
            void *val = &slots[(i + round + 1) % N];
            assert_int_equal(pp_idmap_put(&m, keys[i], val), 0);
            want[i] = val;
        }
        assert_matches_reference(&m, keys, want, N);
    }
    /* Keys never inserted are absent. */
    for (size_t i = N; i < N + 1000; i++) {
        assert_null(pp_idmap_get(&m, splitmix(i)));
        assert_null(pp_idmap_remove(&m, splitmix(i)));
    }
    /* Remove everything that is left. */
    for (size_t i = 0; i < N; i++) {
        assert_ptr_equal(pp_idmap_remove(&m, keys[i]), want[i]);
        want[i] = NULL;
    }
    assert_int_equal(m.n, 0);
    assert_matches_reference(&m, keys, want, N);
    pp_idmap_free(&m);
    free(keys);
    free(want);
    free(slots);
}

static void ids_of_one_prefix_and_a_counter_are_all_kept(void **state)
{
    (void)state;
    /* How pp_msg_id_next makes ids: 32 random bits, then a counter. */
    enum { N = 50000 };
    uint64_t prefix = 0x9abcdef1ULL << 32;
    static char vals[N];
    pp_idmap m = { 0 };
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(pp_idmap_put(&m, prefix | i, &vals[i]), 0);
    for (uint64_t i = 0; i < N; i += 2)
        assert_ptr_equal(pp_idmap_remove(&m, prefix | i), &vals[i]);
    for (uint64_t i = 0; i < N; i++)
        assert_ptr_equal(pp_idmap_get(&m, prefix | i),
                         i % 2 ? &vals[i] : NULL);
    assert_int_equal(m.n, N / 2);
    pp_idmap_free(&m);
}

/* The slot a key lands in when it is alone in a map of the first size the
 * map grows to: its home slot there.  Found through the public fields. */
static size_t home_slot(uint64_t key, size_t *cap)
{
    pp_idmap m = { 0 };
    int v;
    assert_int_equal(pp_idmap_put(&m, key, &v), 0);
    size_t slot = SIZE_MAX;
    for (size_t i = 0; i < m.cap; i++)
        if (m.vals[i])
            slot = i;
    *cap = m.cap;
    pp_idmap_free(&m);
    assert_true(slot != SIZE_MAX);
    return slot;
}

enum { PER_SLOT = 6, CLUSTER = 3 * PER_SLOT };

/* Keys whose home slots are the last two slots and the first one, so their
 * probe runs wrap around the end of the table and overlap. */
static void colliding_keys(uint64_t keys[CLUSTER], size_t *cap)
{
    size_t found[3] = { 0 };
    home_slot(1, cap);
    size_t targets[3] = { *cap - 2, *cap - 1, 0 };
    for (uint64_t k = 1; found[0] + found[1] + found[2] < CLUSTER; k++) {
        size_t c;
        size_t s = home_slot(k, &c);
        for (int t = 0; t < 3; t++)
            if (s == targets[t] && found[t] < PER_SLOT)
                keys[t * PER_SLOT + found[t]++] = k;
        assert_true(k < 1000000);
    }
}

static void keys_colliding_around_the_end_of_the_table_survive_removals(
    void **state)
{
    (void)state;
    uint64_t keys[CLUSTER];
    size_t cap;
    colliding_keys(keys, &cap);
    char vals[CLUSTER];
    void *want[CLUSTER];

    /* Remove each key in turn from a full cluster, in three insertion
     * orders, and check that every other key is still found. */
    for (int order = 0; order < 3; order++) {
        for (size_t victim = 0; victim < CLUSTER; victim++) {
            pp_idmap m = { 0 };
            for (size_t j = 0; j < CLUSTER; j++) {
                size_t i = order == 0   ? j
                           : order == 1 ? CLUSTER - 1 - j
                                        : (j * 7) % CLUSTER;
                assert_int_equal(pp_idmap_put(&m, keys[i], &vals[i]), 0);
                want[i] = &vals[i];
            }
            assert_int_equal(m.cap, cap); /* no growth: one dense cluster */
            assert_matches_reference(&m, keys, want, CLUSTER);
            assert_ptr_equal(pp_idmap_remove(&m, keys[victim]),
                             &vals[victim]);
            want[victim] = NULL;
            assert_matches_reference(&m, keys, want, CLUSTER);
            /* And then all the others, one by one. */
            for (size_t j = 0; j < CLUSTER; j++) {
                size_t i = (victim + 1 + j * 5) % CLUSTER;
                assert_ptr_equal(pp_idmap_remove(&m, keys[i]), want[i]);
                want[i] = NULL;
                assert_matches_reference(&m, keys, want, CLUSTER);
            }
            assert_int_equal(m.n, 0);
            for (size_t i = 0; i < m.cap; i++)
                assert_null(m.vals[i]);
            pp_idmap_free(&m);
        }
    }
}

static void colliding_keys_can_be_removed_and_put_back_many_times(
    void **state)
{
    (void)state;
    uint64_t keys[CLUSTER];
    size_t cap;
    colliding_keys(keys, &cap);
    char vals[CLUSTER];
    void *want[CLUSTER] = { 0 };
    pp_idmap m = { 0 };
    for (int step = 0; step < 20000; step++) {
        size_t i = (size_t)(rng() % CLUSTER);
        if (want[i]) {
            assert_ptr_equal(pp_idmap_remove(&m, keys[i]), want[i]);
            want[i] = NULL;
        } else {
            assert_int_equal(pp_idmap_put(&m, keys[i], &vals[i]), 0);
            want[i] = &vals[i];
        }
        assert_matches_reference(&m, keys, want, CLUSTER);
    }
    pp_idmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_empty_map_finds_nothing_and_removes_nothing),
        cmocka_unit_test(put_then_get_returns_the_value),
        cmocka_unit_test(put_of_a_present_key_replaces_its_value),
        cmocka_unit_test(remove_of_an_absent_key_returns_null),
        cmocka_unit_test(
            hundred_thousand_keys_with_random_removals_match_an_array),
        cmocka_unit_test(ids_of_one_prefix_and_a_counter_are_all_kept),
        cmocka_unit_test(
            keys_colliding_around_the_end_of_the_table_survive_removals),
        cmocka_unit_test(
            colliding_keys_can_be_removed_and_put_back_many_times),
    };
    return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
