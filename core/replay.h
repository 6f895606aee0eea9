/* replay.h - remembers which message stamps a receiver has already seen.
 *
 * Every message carries a stamp: the sender's session (64 random bits,
 * one per signer), a counter that grows with each message of that session,
 * and the sender's wall clock when it sent.  A receiver accepts a stamp
 * once: a stamp whose counter it has seen, or that is more than 64 behind
 * the highest counter of its session, is a replay.  A session is
 * remembered for a clock window after its last message, timed on the
 * receiver's monotonic clock; while it is remembered its counter is all
 * that is checked, so a wall clock that steps on either side cuts off no
 * one.  The first stamp of a session (or one the table has forgotten) is
 * stale when its time is further than the clock window from the
 * receiver's wall clock, so a replay that the table has forgotten is
 * stale too.
 *
 * The guard's memory is bounded (PP_REPLAY_SESSIONS senders seen within a
 * window).  A new sender beyond that takes the place of the one heard from
 * least recently (a classroom's short driver commands come and go far
 * faster than a window), and that sender's newest time becomes a floor: a
 * stamp from then or before is taken only as the next message of a sender
 * the table knows, so what the forgotten sender sent cannot be replayed,
 * and it is taken back as a newcomer when it speaks again. */
#ifndef PP_REPLAY_H
#define PP_REPLAY_H

#include <stdint.h>

#define PP_REPLAY_SESSIONS 4096

typedef struct pp_stamp {
    uint64_t session;
    uint64_t counter;
    int64_t t_sent; /* ns since the epoch, by the sender's clock */
} pp_stamp;

typedef enum pp_replay_verdict {
    PP_REPLAY_FRESH = 0,
    PP_REPLAY_SEEN,    /* the same stamp again */
    PP_REPLAY_STALE,   /* outside the clock window */
    PP_REPLAY_FLOOR,   /* no newer than a sender forgotten to make room */
} pp_replay_verdict;

typedef struct pp_replay_slot {
    uint64_t session;  /* 0 marks an empty slot */
    uint64_t highest;  /* highest counter seen */
    uint64_t window;   /* bit i: counter highest - i was seen */
    int64_t last_ns;   /* receiver's monotonic clock at the last message */
    int64_t t_max;     /* the newest t_sent of the session */
} pp_replay_slot;

/* Refusals counted, for status reports; another thread may read them. */
typedef struct pp_replay_counts {
    uint64_t seen;      /* refused: the same stamp, too far behind, or no
                           newer than the floor */
    uint64_t stale;     /* refused: outside the clock window */
    uint64_t forgotten; /* not a refusal: senders dropped to make room */
} pp_replay_counts;

typedef struct pp_replay pp_replay;

/* Caller owns the guard and ends it with pp_replay_destroy.  The window is
 * window_s seconds (0: no clock check; replays are still refused).  The
 * table is allocated zeroed, so it costs memory only as senders appear. */
pp_replay *pp_replay_new(double window_s);
void pp_replay_destroy(pp_replay **replay_p);
void pp_replay_set_window(pp_replay *r, double window_s);
pp_replay_counts pp_replay_counted(const pp_replay *r);

/* Checks the stamp against the receiver's clocks now (wall_ns: since the
 * epoch; mono_ns: CLOCK_MONOTONIC) and, when fresh, records it.  Counts
 * every refusal. */
pp_replay_verdict pp_replay_check(pp_replay *r, const pp_stamp *s,
                                  int64_t wall_ns, int64_t mono_ns);

#endif
