/* policy.h - load-balancing policies: which engine gets the next task.
 *
 * A policy is a pure function over a model of the engines that can take
 * the task now (alive, below the high-water mark, not excluded by a retry):
 * it returns the index of its choice.  The hub builds the model; the
 * policies never see sockets, so tests drive them with made-up loads. */
#ifndef PP_POLICY_H
#define PP_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef struct sched_engine {
    int32_t id;
    int load;           /* tasks outstanding on the engine */
    int64_t last_used;  /* when it last finished a task (ns; 0 never) */
} sched_engine;

/* n >= 1.  rng is the policy's random state (xorshift64*, never 0). */
typedef size_t sched_policy_fn(const sched_engine *engines, size_t n,
                               uint64_t *rng);

typedef struct sched_policy {
    const char *name;
    const char *summary;
    sched_policy_fn *choose;
} sched_policy;

/* NULL when no policy has that name. */
const sched_policy *sched_policy_find(const char *name);

/* "leastload, lru, plainrandom, twobin, weighted" for messages. */
const char *sched_policy_names(void);

/* A uniform random number below n (n >= 1), from rng. */
size_t sched_random_below(uint64_t *rng, size_t n);

/* A uniform random double in [0, 1). */
double sched_random_unit(uint64_t *rng);

sched_policy_fn sched_leastload, sched_lru, sched_plainrandom, sched_twobin,
    sched_weighted;

#endif
