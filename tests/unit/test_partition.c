/* test_partition.c - scatter's blocks follow ipyparallel's rule: contiguous,
 * covering [0, len), the first len % parts blocks one item longer. */
#include "partition.h"
#include "unit.h"

static void assert_block(size_t len, size_t parts, size_t p, size_t want_lo,
                         size_t want_hi)
{
    size_t lo = 12345, hi = 54321;
    pp_partition(len, parts, p, &lo, &hi);
    if (lo != want_lo || hi != want_hi)
        fail_msg("len %zu, parts %zu, block %zu: [%zu, %zu), want [%zu, %zu)",
                 len, parts, p, lo, hi, want_lo, want_hi);
}

/* Checks every block of len over parts against sizes worked out one block
 * at a time: base = len / parts, plus one for the first len % parts. */
static void assert_partition_follows_the_rule(size_t len, size_t parts)
{
    size_t next = 0;
    for (size_t p = 0; p < parts; p++) {
        size_t size = len / parts + (p < len % parts ? 1 : 0);
        assert_block(len, parts, p, next, next + size);
        next += size;
    }
    if (next != len)
        fail_msg("len %zu, parts %zu: blocks cover %zu items", len, parts,
                 next);
}

static void ten_items_over_four_parts_are_three_three_two_two(void **state)
{
    (void)state;
    assert_block(10, 4, 0, 0, 3);
    assert_block(10, 4, 1, 3, 6);
    assert_block(10, 4, 2, 6, 8);
    assert_block(10, 4, 3, 8, 10);
}

static void sixty_four_items_over_four_parts_are_even_blocks(void **state)
{
    (void)state;
    for (size_t p = 0; p < 4; p++)
        assert_block(64, 4, p, 16 * p, 16 * (p + 1));
}

static void one_part_takes_everything(void **state)
{
    (void)state;
    assert_block(0, 1, 0, 0, 0);
    assert_block(1, 1, 0, 0, 1);
    assert_block(1000, 1, 0, 0, 1000);
}

static void fewer_items_than_parts_gives_single_items_then_empty_blocks(
    void **state)
{
    (void)state;
    /* len 2 over 4: [0,1) [1,2) [2,2) [2,2) */
    assert_block(2, 4, 0, 0, 1);
    assert_block(2, 4, 1, 1, 2);
    assert_block(2, 4, 2, 2, 2);
    assert_block(2, 4, 3, 2, 2);
    /* len 3 over 8: three single items, then empty blocks at the end. */
    for (size_t p = 0; p < 8; p++)
        assert_block(3, 8, p, p < 3 ? p : 3, p < 3 ? p + 1 : 3);
}

static void no_items_gives_empty_blocks_at_zero(void **state)
{
    (void)state;
    for (size_t parts = 1; parts <= 16; parts++)
        for (size_t p = 0; p < parts; p++)
            assert_block(0, parts, p, 0, 0);
}

static void many_lengths_and_part_counts_follow_the_rule(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 300; len++)
        for (size_t parts = 1; parts <= 64; parts++)
            assert_partition_follows_the_rule(len, parts);
    size_t big[] = { 1000, 1001, 1023, 65537, 1000000, 999999937 };
    size_t part_counts[] = { 1, 2, 3, 7, 16, 100, 1000, 4096 };
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (size_t j = 0; j < sizeof part_counts / sizeof part_counts[0];
             j++)
            assert_partition_follows_the_rule(big[i], part_counts[j]);
}

static void block_sizes_differ_by_at_most_one_longest_first(void **state)
{
    (void)state;
    for (size_t len = 0; len <= 200; len++) {
        for (size_t parts = 1; parts <= 40; parts++) {
            size_t prev = SIZE_MAX;
            for (size_t p = 0; p < parts; p++) {
                size_t lo, hi;
                pp_partition(len, parts, p, &lo, &hi);
                assert_true(lo <= hi);
                size_t size = hi - lo;
                assert_true(size <= prev); /* never longer than before */
                assert_true(size == len / parts
                            || size == len / parts + 1);
                prev = size;
            }
        }
    }
}

static void lengths_near_the_top_of_size_t_do_not_overflow(void **state)
{
    (void)state;
    size_t len = SIZE_MAX;
    size_t part_counts[] = { 1, 2, 3, 7, 64, 1000 };
    for (size_t j = 0; j < sizeof part_counts / sizeof part_counts[0]; j++)
        assert_partition_follows_the_rule(len, part_counts[j]);
    assert_partition_follows_the_rule(SIZE_MAX - 1, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ten_items_over_four_parts_are_three_three_two_two),
        cmocka_unit_test(sixty_four_items_over_four_parts_are_even_blocks),
        cmocka_unit_test(one_part_takes_everything),
        cmocka_unit_test(
            fewer_items_than_parts_gives_single_items_then_empty_blocks),
        cmocka_unit_test(no_items_gives_empty_blocks_at_zero),
        cmocka_unit_test(many_lengths_and_part_counts_follow_the_rule),
        cmocka_unit_test(block_sizes_differ_by_at_most_one_longest_first),
        cmocka_unit_test(lengths_near_the_top_of_size_t_do_not_overflow),
    };
    return cmocka_run_group_tests_name("partition", tests, NULL, NULL);
}
