/* Exercise 3, a solution: Monte Carlo pi with a seed for each item. */
#include <pipar/workload.h>

#define SAMPLES 10000

static uint64_t next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state)
{
    return (double)(next(state) >> 11) * 0x1.0p-53;
}

static int mc_pi(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    const int64_t *items;
    size_t n;
    double *est;
    if (pp_arg_i64s(args, nargs, 0, &items, &n, err)
        || !(est = pp_ret_f64_array(out, n, err)))
        return err->code;
    for (size_t k = 0; k < n; k++) {
        /* The item is the seed: mixed once, so that items 1 and 2 do not
         * start their streams one step apart. */
        uint64_t seed = (uint64_t)items[k];
        uint64_t state = next(&seed);
        int64_t inside = 0;
        for (int s = 0; s < SAMPLES; s++) {
            double x = uniform(&state), y = uniform(&state);
            inside += x * x + y * y < 1.0;
        }
        est[k] = 4.0 * (double)inside / SAMPLES;
    }
    return 0;
}

PP_MODULE({ "mc_pi", "an estimate of pi from 10000 points for each item "
                     "(exercise 3)",
            mc_pi });
