/* policy_weighted.c - two engines drawn with probability proportional to
 * 1/(load+1), then the less loaded of the two. */
#include "policy.h"

static size_t draw(const sched_engine *e, size_t n, uint64_t *rng,
                   double total)
{
    double r = sched_random_unit(rng) * total;
    for (size_t i = 0; i < n; i++) {
        r -= 1.0 / (e[i].load + 1);
        if (r < 0)
            return i;
    }
    return n - 1;
}

size_t sched_weighted(const sched_engine *e, size_t n, uint64_t *rng)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += 1.0 / (e[i].load + 1);
    size_t a = draw(e, n, rng, total), b = draw(e, n, rng, total);
    return e[b].load < e[a].load ? b : a;
}
