/* policies.c - the table of policies and their shared randomness. */
#include "policy.h"

#include <string.h>

static const sched_policy policies[] = {
    { "leastload", "the engine with the fewest tasks outstanding",
      sched_leastload },
    { "lru", "the engine that has waited longest since its last task",
      sched_lru },
    { "plainrandom", "an engine at random", sched_plainrandom },
    { "twobin", "two engines at random, the less recently used of them",
      sched_twobin },
    { "weighted", "two engines at random weighted by 1/(load+1), the "
                  "less loaded of them",
      sched_weighted },
};

const sched_policy *sched_policy_find(const char *name)
{
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
        if (strcmp(policies[i].name, name) == 0)
            return &policies[i];
    return NULL;
}

const char *sched_policy_names(void)
{
    return "leastload, lru, plainrandom, twobin, weighted";
}

/* xorshift64*: small, fast, and good enough to spread tasks. */
static uint64_t next(uint64_t *rng)
{
    uint64_t x = *rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545F4914F6CDD1DULL;
}

size_t sched_random_below(uint64_t *rng, size_t n)
{
    /* The high bits are the good ones; the modulo bias is below 2^-40 for
     * any cluster size. */
    return (size_t)((next(rng) >> 24) % n);
}

double sched_random_unit(uint64_t *rng)
{
    return (double)(next(rng) >> 11) / (double)(UINT64_C(1) << 53);
}
