/* test_replay.c - the replay guard against a model: every stamp is taken
 * once, within the window of 64 behind the highest and the clock window. */
#include <stdbool.h>
#include <stdlib.h>

#include "replay.h"
#include "unit.h"

#define SEC 1000000000LL
static const int64_t now = 1800000000 * SEC;

static pp_stamp stamp(uint64_t session, uint64_t counter, int64_t t)
{
    return (pp_stamp){ .session = session, .counter = counter, .t_sent = t };
}

static void each_stamp_is_taken_once(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(300);
    assert_non_null(r);
    for (uint64_t c = 1; c <= 1000; c++) {
        pp_stamp s = stamp(42, c, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_SEEN);
    }
    assert_int_equal(pp_replay_counted(r).seen, 1000);
    pp_replay_destroy(&r);
    assert_null(r);
}

static void reordering_within_sixty_four_is_accepted_once(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(300);
    pp_stamp s = stamp(7, 100, now);
    assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    /* 37..99 arrive late, in reverse: all new, then all seen. */
    for (uint64_t c = 99; c >= 37; c--) {
        s = stamp(7, c, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    }
    for (uint64_t c = 37; c <= 100; c++) {
        s = stamp(7, c, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_SEEN);
    }
    /* 36 is 64 behind: too old to tell, so refused. */
    s = stamp(7, 36, now);
    assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_SEEN);
    /* A jump of more than 64 forgets the old window but not the rule. */
    s = stamp(7, 1000, now);
    assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    s = stamp(7, 990, now);
    assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    s = stamp(7, 100, now);
    assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_SEEN);
    pp_replay_destroy(&r);
}

/* Random arrivals of a shuffled stream against a set of what was seen. */
static void random_order_matches_a_model(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(0);
    enum { N = 5000 };
    static bool seen[N + 200];
    uint64_t highest = 0;
    srand(12345);
    for (int k = 0; k < 20000; k++) {
        uint64_t c = 1 + (uint64_t)(rand() % N);
        pp_stamp s = stamp(99, c, now);
        bool fresh_by_model = !seen[c] && (c + 64 > highest);
        pp_replay_verdict v = pp_replay_check(r, &s, now, now);
        assert_int_equal(v, fresh_by_model ? PP_REPLAY_FRESH : PP_REPLAY_SEEN);
        if (fresh_by_model) {
            seen[c] = true;
            if (c > highest)
                highest = c;
        }
    }
    pp_replay_destroy(&r);
}

static void sessions_are_kept_apart(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(300);
    for (uint64_t session = 1; session <= 500; session++) {
        pp_stamp s = stamp(session * 0x1000193, 1, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    }
    for (uint64_t session = 1; session <= 500; session++) {
        pp_stamp s = stamp(session * 0x1000193, 1, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_SEEN);
        s.counter = 2;
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    }
    /* Session 0 is no sender's. */
    pp_stamp zero = stamp(0, 1, now);
    assert_int_equal(pp_replay_check(r, &zero, now, now), PP_REPLAY_SEEN);
    pp_replay_destroy(&r);
}

static void stamps_outside_the_clock_window_are_stale(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(300);
    pp_stamp past = stamp(5, 1, now - 301 * SEC);
    pp_stamp future = stamp(5, 2, now + 301 * SEC);
    pp_stamp edge = stamp(5, 3, now - 299 * SEC);
    assert_int_equal(pp_replay_check(r, &past, now, now), PP_REPLAY_STALE);
    assert_int_equal(pp_replay_check(r, &future, now, now), PP_REPLAY_STALE);
    assert_int_equal(pp_replay_check(r, &edge, now, now), PP_REPLAY_FRESH);
    assert_int_equal(pp_replay_counted(r).stale, 2);
    /* Without a clock window the same stamps are judged by number only. */
    pp_replay_set_window(r, 0);
    assert_int_equal(pp_replay_check(r, &past, now, now), PP_REPLAY_FRESH);
    assert_int_equal(pp_replay_check(r, &future, now, now), PP_REPLAY_FRESH);
    assert_int_equal(pp_replay_check(r, &edge, now, now), PP_REPLAY_SEEN);
    pp_replay_destroy(&r);
}

/* More senders within a window than the table holds (a classroom's short
 * driver commands): the one heard from least recently is forgotten to make
 * room, and its stamps cannot come back as replays. */
static void a_full_table_forgets_the_sender_heard_from_least_recently(
    void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(10);
    /* Sender i last spoke at i ns (monotonic), stamped now + i us. */
    for (uint64_t i = 1; i <= PP_REPLAY_SESSIONS; i++) {
        pp_stamp s = stamp(i, 1, now + (int64_t)i * 1000);
        assert_int_equal(pp_replay_check(r, &s, now, now + (int64_t)i),
                         PP_REPLAY_FRESH);
    }
    int64_t mono = now + SEC;
    pp_stamp newcomer = stamp(PP_REPLAY_SESSIONS + 1, 1, now + SEC);
    assert_int_equal(pp_replay_check(r, &newcomer, now + SEC, mono),
                     PP_REPLAY_FRESH);
    assert_int_equal(pp_replay_counted(r).forgotten, 1);
    /* Sender 1 was forgotten: its stamp again is refused by the floor. */
    pp_stamp old = stamp(1, 1, now + 1000);
    assert_int_equal(pp_replay_check(r, &old, now + SEC, mono + 1),
                     PP_REPLAY_FLOOR);
    /* Sender 2 is still known: its stamp again is a plain replay. */
    pp_stamp known = stamp(2, 1, now + 2000);
    assert_int_equal(pp_replay_check(r, &known, now + SEC, mono + 2),
                     PP_REPLAY_SEEN);
    /* Sender 1 speaks again: taken back as a newcomer (sender 2 makes
     * room), and its old stamps stay refused, counter or not. */
    pp_stamp back = stamp(1, 2, now + SEC + 1);
    assert_int_equal(pp_replay_check(r, &back, now + SEC, mono + 3),
                     PP_REPLAY_FRESH);
    assert_int_equal(pp_replay_counted(r).forgotten, 2);
    assert_int_equal(pp_replay_check(r, &old, now + SEC, mono + 4),
                     PP_REPLAY_FLOOR);
    assert_int_equal(pp_replay_check(r, &known, now + SEC, mono + 5),
                     PP_REPLAY_FLOOR);
    /* A known sender whose clock lags below the floor goes on: its next
     * message is new by its counter. */
    pp_stamp lagging = stamp(3000, 2, now);
    assert_int_equal(pp_replay_check(r, &lagging, now + SEC, mono + 6),
                     PP_REPLAY_FRESH);
    /* Its message again is below the floor and not its next: refused. */
    assert_int_equal(pp_replay_check(r, &lagging, now + SEC, mono + 7),
                     PP_REPLAY_FLOOR);
    /* Refusals by the floor count as replays: one SEEN and four. */
    assert_int_equal(pp_replay_counted(r).seen, 5);
    assert_int_equal(pp_replay_counted(r).stale, 0);
    pp_replay_destroy(&r);
}

/* Eleven seconds on, the others are past a 10 s window: room again
 * without forgetting anyone, and a forgotten sender's stamps are stale. */
static void expired_senders_make_room_first(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(10);
    for (uint64_t i = 1; i <= PP_REPLAY_SESSIONS; i++) {
        pp_stamp s = stamp(i, 1, now);
        assert_int_equal(pp_replay_check(r, &s, now, now), PP_REPLAY_FRESH);
    }
    int64_t later = now + 11 * SEC;
    pp_stamp newcomer = stamp(PP_REPLAY_SESSIONS + 1, 1, later);
    assert_int_equal(pp_replay_check(r, &newcomer, later, later),
                     PP_REPLAY_FRESH);
    pp_stamp old = stamp(3, 1, now);
    assert_int_equal(pp_replay_check(r, &old, later, later), PP_REPLAY_STALE);
    assert_int_equal(pp_replay_counted(r).forgotten, 0);
    pp_replay_destroy(&r);
}

/* NTP steps a Pi's wall clock by an hour: a sender already talking goes
 * on (its counter is checked, not its time), on either side of the step;
 * a sender that starts after it is judged by the stepped clock. */
static void a_wall_clock_step_cuts_off_no_known_sender(void **state)
{
    (void)state;
    pp_replay *r = pp_replay_new(300);
    int64_t mono = 1000 * SEC;
    pp_stamp s = stamp(11, 1, now);
    assert_int_equal(pp_replay_check(r, &s, now, mono), PP_REPLAY_FRESH);
    /* The sender's clock jumps an hour ahead, then an hour behind. */
    s = stamp(11, 2, now + 3600 * SEC);
    assert_int_equal(pp_replay_check(r, &s, now + SEC, mono + SEC),
                     PP_REPLAY_FRESH);
    s = stamp(11, 3, now - 3600 * SEC);
    assert_int_equal(pp_replay_check(r, &s, now + 2 * SEC, mono + 2 * SEC),
                     PP_REPLAY_FRESH);
    /* The receiver's clock jumps: the sender is still known. */
    s = stamp(11, 4, now + 3 * SEC);
    assert_int_equal(pp_replay_check(r, &s, now + 3600 * SEC, mono + 3 * SEC),
                     PP_REPLAY_FRESH);
    /* Replays are still refused, and so is a newcomer an hour off. */
    assert_int_equal(pp_replay_check(r, &s, now + 3600 * SEC, mono + 4 * SEC),
                     PP_REPLAY_SEEN);
    pp_stamp newcomer = stamp(12, 1, now + 4 * SEC);
    assert_int_equal(pp_replay_check(r, &newcomer, now + 3600 * SEC,
                                     mono + 4 * SEC),
                     PP_REPLAY_STALE);
    /* Forgotten after a window of silence by the monotonic clock, however
     * the wall clock moved: then the clock window applies again. */
    s = stamp(11, 5, now + 3600 * SEC);
    assert_int_equal(pp_replay_check(r, &s, now, mono + 310 * SEC),
                     PP_REPLAY_STALE);
    s = stamp(11, 5, now);
    assert_int_equal(pp_replay_check(r, &s, now, mono + 311 * SEC),
                     PP_REPLAY_FRESH);
    pp_replay_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_stamp_is_taken_once),
        cmocka_unit_test(reordering_within_sixty_four_is_accepted_once),
        cmocka_unit_test(random_order_matches_a_model),
        cmocka_unit_test(sessions_are_kept_apart),
        cmocka_unit_test(stamps_outside_the_clock_window_are_stale),
        cmocka_unit_test(
            a_full_table_forgets_the_sender_heard_from_least_recently),
        cmocka_unit_test(expired_senders_make_room_first),
        cmocka_unit_test(a_wall_clock_step_cuts_off_no_known_sender),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
