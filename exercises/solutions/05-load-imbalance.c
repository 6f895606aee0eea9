/* Exercise 5, a solution: trial division by odd numbers. */
#include <stdbool.h>

#include <pipar/workload.h>

#define WIDTH 20000

static bool is_prime(int64_t n)
{
    if (n < 2)
        return false;
    if (n % 2 == 0)
        return n == 2;
    for (int64_t d = 3; d <= n / d; d += 2)
        if (n % d == 0)
            return false;
    return true;
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
