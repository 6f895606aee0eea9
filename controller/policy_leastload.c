/* policy_leastload.c - the default: fewest tasks outstanding; among equals
 * the least recently used, so idle engines take turns. */
#include "policy.h"

size_t sched_leastload(const sched_engine *e, size_t n, uint64_t *rng)
{
    (void)rng;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (e[i].load < e[best].load
            || (e[i].load == e[best].load
                && e[i].last_used < e[best].last_used))
            best = i;
    return best;
}
