/* test_sched.c - the scheduler policies on models of engine loads: each
 * choice is checked against what the policy promises. */
#include "policy.h"
#include "unit.h"

static void leastload_picks_the_engine_with_fewest_tasks(void **state)
{
    (void)state;
    uint64_t rng = 1;
    sched_engine e[] = { { 0, 3, 10 }, { 1, 1, 50 }, { 2, 2, 5 } };
    assert_int_equal(sched_leastload(e, 3, &rng), 1);
}

static void leastload_breaks_ties_by_the_least_recently_used(void **state)
{
    (void)state;
    uint64_t rng = 1;
    sched_engine e[] = { { 0, 1, 300 }, { 1, 1, 100 }, { 2, 1, 200 } };
    assert_int_equal(sched_leastload(e, 3, &rng), 1);
}

static void leastload_spreads_a_stream_of_tasks_evenly(void **state)
{
    (void)state;
    /* Engines that never finish: each task raises the chosen load, so the
     * loads stay within one of each other. */
    uint64_t rng = 1;
    sched_engine e[4] = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 },
                          { 3, 0, 0 } };
    for (int k = 0; k < 40; k++)
        e[sched_leastload(e, 4, &rng)].load++;
    for (int i = 0; i < 4; i++)
        assert_int_equal(e[i].load, 10);
}

static void lru_picks_the_longest_idle_whatever_its_load(void **state)
{
    (void)state;
    uint64_t rng = 1;
    sched_engine e[] = { { 0, 0, 500 }, { 1, 9, 20 }, { 2, 1, 400 } };
    assert_int_equal(sched_lru(e, 3, &rng), 1);
}

static void plainrandom_reaches_every_engine_about_evenly(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    sched_engine e[5] = { { 0, 0, 0 } };
    int count[5] = { 0 };
    for (int k = 0; k < 50000; k++) {
        size_t pick = sched_plainrandom(e, 5, &rng);
        assert_true(pick < 5);
        count[pick]++;
    }
    for (int i = 0; i < 5; i++) {
        assert_true(count[i] > 9000);
        assert_true(count[i] < 11000);
    }
}

static void twobin_never_picks_the_most_recently_used_of_two(void **state)
{
    (void)state;
    uint64_t rng = 99;
    /* With two engines both are always drawn, so the older one wins. */
    sched_engine e[] = { { 0, 0, 800 }, { 1, 0, 100 } };
    for (int k = 0; k < 1000; k++)
        assert_int_equal(sched_twobin(e, 2, &rng), 1);
}

static void twobin_with_one_engine_picks_it(void **state)
{
    (void)state;
    uint64_t rng = 7;
    sched_engine e[] = { { 4, 5, 0 } };
    assert_int_equal(sched_twobin(e, 1, &rng), 0);
}

static void weighted_favours_lightly_loaded_engines(void **state)
{
    (void)state;
    uint64_t rng = 2024;
    sched_engine e[] = { { 0, 0, 0 }, { 1, 20, 0 }, { 2, 20, 0 } };
    int idle = 0;
    for (int k = 0; k < 10000; k++)
        idle += sched_weighted(e, 3, &rng) == 0;
    /* The idle engine weighs 21 times a busy one and wins any pair it is
     * drawn into: it should take the great majority. */
    assert_true(idle > 9000);
}

static void weighted_still_reaches_busy_engines(void **state)
{
    (void)state;
    uint64_t rng = 5;
    sched_engine e[] = { { 0, 2, 0 }, { 1, 2, 0 } };
    int first = 0;
    for (int k = 0; k < 10000; k++)
        first += sched_weighted(e, 2, &rng) == 0;
    assert_true(first > 4000 && first < 6000);
}

static void policies_are_found_by_name(void **state)
{
    (void)state;
    const char *names[] = { "leastload", "lru", "plainrandom", "twobin",
                            "weighted" };
    for (size_t i = 0; i < 5; i++) {
        const sched_policy *p = sched_policy_find(names[i]);
        assert_non_null(p);
        assert_string_equal(p->name, names[i]);
        assert_contains(sched_policy_names(), names[i]);
    }
    assert_null(sched_policy_find("fastest"));
    assert_null(sched_policy_find(""));
}

static void random_unit_covers_zero_to_one(void **state)
{
    (void)state;
    uint64_t rng = 3;
    int low = 0, high = 0;
    for (int k = 0; k < 10000; k++) {
        double u = sched_random_unit(&rng);
        assert_true(u >= 0 && u < 1);
        low += u < 0.1;
        high += u >= 0.9;
    }
    assert_true(low > 800 && low < 1200);
    assert_true(high > 800 && high < 1200);
}

static void random_below_stays_below_its_bound(void **state)
{
    (void)state;
    uint64_t rng = 1;
    for (size_t n = 1; n < 200; n++)
        for (int k = 0; k < 100; k++)
            assert_true(sched_random_below(&rng, n) < n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leastload_picks_the_engine_with_fewest_tasks),
        cmocka_unit_test(leastload_breaks_ties_by_the_least_recently_used),
        cmocka_unit_test(leastload_spreads_a_stream_of_tasks_evenly),
        cmocka_unit_test(lru_picks_the_longest_idle_whatever_its_load),
        cmocka_unit_test(plainrandom_reaches_every_engine_about_evenly),
        cmocka_unit_test(twobin_never_picks_the_most_recently_used_of_two),
        cmocka_unit_test(twobin_with_one_engine_picks_it),
        cmocka_unit_test(weighted_favours_lightly_loaded_engines),
        cmocka_unit_test(weighted_still_reaches_busy_engines),
        cmocka_unit_test(policies_are_found_by_name),
        cmocka_unit_test(random_unit_covers_zero_to_one),
        cmocka_unit_test(random_below_stays_below_its_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
