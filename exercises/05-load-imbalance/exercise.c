/* Exercise 5: load imbalance.
 *
 * count_primes: for each item i of its chunk, the number of primes in
 * [i * WIDTH, (i + 1) * WIDTH).  Trial division costs about sqrt(n) for a
 * prime n, so later items cost more than early ones: cut the range into
 * one block per engine (the direct view) and the engine with the last
 * block works longest while the others wait.
 */
#include <stdbool.h>

#include <pipar/workload.h>

#define WIDTH 20000

/* TODO: a real test.  This says every odd number (and 2) is prime; try
 * divisors d = 3, 5, 7, ... while d * d <= n.  Mind 0 and 1. */
static bool is_prime(int64_t n)
{
    return n == 2 || n % 2 == 1;
}

static int count_primes(const pp_value *args, size_t nargs, pp_values *out,
                        pp_error *err)
{
    const int64_t *items;
    size_t n;
    int64_t *count;
    if (pp_arg_i64s(args, nargs, 0, &items, &n, err)
        || !(count = pp_ret_i64_array(out, n, err)))
        return err->code;
    for (size_t k = 0; k < n; k++) {
        if (items[k] < 0 || items[k] > INT64_MAX / WIDTH - 1)
            return pp_error_set(err, PP_EINVAL, "item %lld is out of range",
                                (long long)items[k]);
        for (int64_t x = items[k] * WIDTH; x < (items[k] + 1) * WIDTH; x++)
            count[k] += is_prime(x);
    }
    return 0;
}

PP_MODULE({ "count_primes", "primes in [i*20000, (i+1)*20000) for each "
                            "item i (exercise 5)",
            count_primes });
