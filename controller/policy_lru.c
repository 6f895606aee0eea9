/* policy_lru.c - the engine that finished its last task longest ago,
 * whatever its load. */
#include "policy.h"

size_t sched_lru(const sched_engine *e, size_t n, uint64_t *rng)
{
    (void)rng;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (e[i].last_used < e[best].last_used)
            best = i;
    return best;
}
