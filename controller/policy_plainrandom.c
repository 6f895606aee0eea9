/* policy_plainrandom.c - any engine, uniformly at random. */
#include "policy.h"

size_t sched_plainrandom(const sched_engine *e, size_t n, uint64_t *rng)
{
    (void)e;
    return sched_random_below(rng, n);
}
