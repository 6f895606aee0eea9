/* pi_run.h - the digits of pi on a cluster: leaf tasks over the terms of
 * the series in two groups (two leaves on two engines; on K >= 3, K - 1
 * on the left and K - (K - 1) / 2 on the right),
 * each group merged by a tree of merge tasks (each `after` its two
 * children, taking their results; with 6 leaves or more each side's top
 * merge is two tasks, pi_merge_pq and pi_merge_t, on two engines at
 * once), the square root meanwhile; the left group divided by the square
 * root as soon as it is done while the right group is still computing,
 * the right group's share of the quotient in place of the last merge
 * (pi.h, pp_pi_tail_ratio), and the conversion to decimal in two pieces
 * on two engines, or a tree of cuts on more.  With 6 leaves or more the
 * left group's leaves go first, the left group has no top merge (the
 * division and the share merge its two halves themselves) and each task
 * after others takes only the values it reads of their results
 * (pp_task_opts.after_take).  Or all of it in this process.  With
 * PIPAR_PI_TIMELINE set in the environment, a cluster run ends by
 * printing each task's engine, start and end. */
#ifndef PP_PI_RUN_H
#define PP_PI_RUN_H

#include <stdio.h>

#include "pipar/client.h"

typedef struct pp_pi_run_opts {
    uint64_t digits;
    unsigned leaves;  /* 0: a few per engine */
    FILE *progress;   /* where the phases and the bar go; NULL: nowhere */
} pp_pi_run_opts;

typedef struct pp_pi_run_stats {
    unsigned leaves;
    size_t tasks;
    double seconds;
    double serial_seconds; /* the tasks' own times, summed */
} pp_pi_run_stats;

/* Computes the first o->digits digits ("3141...", NUL-terminated; caller
 * frees *out) on the engines of c, or in this process when c is NULL. */
int pp_pi_run(pp_client *c, const pp_pi_run_opts *o, char **out,
              pp_pi_run_stats *st, pp_error *err);

/* Bytes of memory available to new work on this machine
 * (MemAvailable), or 0 when unknown. */
uint64_t pp_memory_available(void);

#endif
