/* pi_timeline.h - what a cluster run of pi did, task by task, for a model
 * to replay (bench/pi_plan): each task's workload, dependencies, the bytes
 * it took in and gave back, when the driver sent it, when its engine
 * started and ended it, and when its result reached the driver.  Kept
 * only with PIPAR_PI_TIMELINE set: results are then copied to the tasks
 * that need them rather than moved (so that their sizes can still be
 * read at the end), and the wait polls every millisecond to see when
 * each result arrives.
 *
 * Ownership: the timeline owns its arrays; names point to string
 * literals. */
#ifndef PP_PI_TIMELINE_H
#define PP_PI_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pipar/client.h"

#define PP_PI_TIMELINE_DEPS 6 /* a share after two split halves and a split right range */

typedef struct pp_pi_timeline_task {
    const char *name;
    size_t ndeps;
    size_t deps[PP_PI_TIMELINE_DEPS]; /* task indices */
    uint32_t take[PP_PI_TIMELINE_DEPS]; /* the values taken of each */
    uint64_t own_bytes;               /* the task's own arguments */
    int64_t received;                 /* ns since the epoch; 0: not yet */
} pp_pi_timeline_task;

typedef struct pp_pi_timeline {
    pp_pi_timeline_task *t;
    uint64_t *ids;
    size_t n, cap;
} pp_pi_timeline;

/* Appends the task just submitted (index tl->n) with task id `id`, its
 * workload, its `after` task ids (each one a task added before), the
 * values it takes of each (pp_task_opts.after_take; NULL: all) and the
 * bytes of its own arguments.  PP_ENOMEM or PP_EINVAL (an unknown
 * dependency, or more than PP_PI_TIMELINE_DEPS). */
int pp_pi_timeline_add(pp_pi_timeline *tl, const char *name, uint64_t id,
                       const uint64_t *after, const uint32_t *take,
                       size_t nafter, uint64_t own_bytes, pp_error *err);

/* pp_async_wait that notes when each task's result reaches the driver. */
int pp_pi_timeline_wait(pp_pi_timeline *tl, pp_async *a, pp_error *err);

/* Prints one header line and one line per task (the format is in
 * bench/pi_plan's reader and docs/inputs.md):
 *   pi: timeline digits N engines K leaves L wall S
 *   pi: task I NAME engine E sent S start S end S received S
 *       after I,J|- in BYTES out BYTES
 * times in seconds from the first task's submission. */
void pp_pi_timeline_print(const pp_pi_timeline *tl, pp_async *a,
                          uint64_t digits, size_t engines, unsigned leaves,
                          double wall, FILE *out);

void pp_pi_timeline_free(pp_pi_timeline *tl);

#endif
