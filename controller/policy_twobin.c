/* policy_twobin.c - two engines at random, the less recently used of them
 * (the "power of two choices", cheap and hard to fool). */
#include "policy.h"

size_t sched_twobin(const sched_engine *e, size_t n, uint64_t *rng)
{
    if (n == 1)
        return 0;
    size_t a = sched_random_below(rng, n);
    size_t b = sched_random_below(rng, n - 1);
    if (b >= a)
        b++; /* two distinct engines */
    return e[b].last_used < e[a].last_used ? b : a;
}
