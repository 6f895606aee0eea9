/* replay.c - a sliding 64-message window per sender session, in an open
 * addressing table whose entries expire one clock window after their last
 * message. */
#include "replay.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#define SLOT_MASK (PP_REPLAY_SESSIONS - 1)
_Static_assert((PP_REPLAY_SESSIONS & SLOT_MASK) == 0, "a power of two");

struct pp_replay {
    int64_t window_ns; /* the clock window; 0 turns the clock check off */
    _Atomic uint64_t seen;
    _Atomic uint64_t stale;
    _Atomic uint64_t forgotten;
    int64_t floor_ns; /* the newest t_sent of a sender forgotten for room */
    pp_replay_slot slots[PP_REPLAY_SESSIONS];
};

pp_replay *pp_replay_new(double window_s)
{
    pp_replay *r = calloc(1, sizeof *r);
    if (r) {
        pp_replay_set_window(r, window_s);
        r->floor_ns = INT64_MIN;
    }
    return r;
}

void pp_replay_destroy(pp_replay **replay_p)
{
    free(*replay_p);
    *replay_p = NULL;
}

void pp_replay_set_window(pp_replay *r, double window_s)
{
    r->window_ns = window_s > 0 ? (int64_t)(window_s * 1e9) : 0;
}

pp_replay_counts pp_replay_counted(const pp_replay *r)
{
    return (pp_replay_counts){ .seen = atomic_load(&r->seen),
                               .stale = atomic_load(&r->stale),
                               .forgotten = atomic_load(&r->forgotten) };
}

static size_t slot_of(uint64_t session)
{
    /* Sessions are random already; the multiply only mixes the high bits
     * into the low ones in case a sender's generator is weak. */
    return (size_t)((session * 0x9e3779b97f4a7c15ull) >> 40) & SLOT_MASK;
}

static int64_t memory_ns(const pp_replay *r)
{
    /* Without a clock window a session is kept for ten minutes; a replay
     * of a forgotten session is then accepted, which is what turning the
     * clock check off means. */
    return r->window_ns > 0 ? r->window_ns : 600 * (int64_t)1000000000;
}

/* Finds the session's slot, or an empty or expired slot on its probe path
 * (expired slots are reused: their sessions are past the clock window). */
static pp_replay_slot *find_slot(pp_replay *r, uint64_t session,
                                 int64_t mono_ns)
{
    pp_replay_slot *reuse = NULL;
    size_t i = slot_of(session);
    for (size_t n = 0; n < PP_REPLAY_SESSIONS; n++, i = (i + 1) & SLOT_MASK) {
        pp_replay_slot *s = &r->slots[i];
        if (s->session == session)
            return s;
        if (s->session == 0)
            return reuse ? reuse : s;
        if (!reuse && mono_ns - s->last_ns > memory_ns(r))
            reuse = s;
    }
    return reuse;
}

/* The table is full of live sessions: the one heard from least recently
 * makes room, and its newest stamp time becomes the floor.  A scan of the
 * whole table, only when it is full.  The floor never passes this host's
 * own clock: a sender whose clock ran ahead must not shut out every
 * newcomer (its stamps ahead of this clock are then guarded as a
 * forgotten session's always were, by the clock window). */
static pp_replay_slot *forget_one(pp_replay *r, int64_t wall_ns)
{
    pp_replay_slot *oldest = &r->slots[0];
    for (size_t i = 1; i < PP_REPLAY_SESSIONS; i++)
        if (r->slots[i].last_ns < oldest->last_ns)
            oldest = &r->slots[i];
    int64_t floor = oldest->t_max < wall_ns ? oldest->t_max : wall_ns;
    if (floor > r->floor_ns)
        r->floor_ns = floor;
    r->forgotten++;
    return oldest;
}

pp_replay_verdict pp_replay_check(pp_replay *r, const pp_stamp *st,
                                  int64_t wall_ns, int64_t mono_ns)
{
    /* Session 0 marks empty slots, so no sender may use it. */
    if (st->session == 0) {
        r->seen++;
        return PP_REPLAY_SEEN;
    }
    pp_replay_slot *s = find_slot(r, st->session, mono_ns);
    bool known = s && s->session == st->session
              && mono_ns - s->last_ns <= memory_ns(r);
    /* A sender the table remembers is held to its counter alone, so that
     * a wall clock that steps on either side (NTP on a Pi without a
     * real-time clock) cuts off no peer mid-run.  The clock window is for
     * the others: a stamp of a session the table never had, or forgot,
     * must be recent by the receiver's wall clock. */
    if (!known && r->window_ns > 0
        && (st->t_sent < wall_ns - r->window_ns
            || st->t_sent > wall_ns + r->window_ns)) {
        r->stale++;
        return PP_REPLAY_STALE;
    }
    /* At or below the floor, a stamp may be a forgotten sender's: only a
     * known sender's next message is taken (a known sender's clock may
     * lag; its counter tells what is new). */
    if (st->t_sent <= r->floor_ns && !(known && st->counter > s->highest)) {
        r->seen++; /* a replay, as far as anyone can tell */
        return PP_REPLAY_FLOOR;
    }
    if (!s)
        s = forget_one(r, wall_ns);
    if (!known) {
        /* Only an expired or forgotten slot is reused, never emptied, so a
         * probe path never loses a live session that lies beyond it. */
        *s = (pp_replay_slot){ .session = st->session,
                               .highest = st->counter,
                               .window = 1,
                               .last_ns = mono_ns,
                               .t_max = st->t_sent };
        return PP_REPLAY_FRESH;
    }
    if (st->counter > s->highest) {
        uint64_t shift = st->counter - s->highest;
        s->window = shift >= 64 ? 1 : (s->window << shift) | 1;
        s->highest = st->counter;
    } else {
        uint64_t back = s->highest - st->counter;
        if (back >= 64 || (s->window >> back) & 1) {
            r->seen++;
            return PP_REPLAY_SEEN;
        }
        s->window |= (uint64_t)1 << back;
    }
    s->last_ns = mono_ns;
    if (st->t_sent > s->t_max)
        s->t_max = st->t_sent;
    return PP_REPLAY_FRESH;
}
