/* Exercise 3: Monte Carlo pi.
 *
 * mc_pi: for each item i of its chunk, throw SAMPLES random points into
 * the unit square and return 4 * (points inside the quarter circle) /
 * SAMPLES, an estimate of pi (one f64 per item).
 *
 * The estimate of item i must be the same whichever engine runs it, in
 * whatever chunk, after whatever ran before: its random numbers must
 * come from a generator seeded by i alone.
 */
#include <pipar/workload.h>

#define SAMPLES 10000

/* splitmix64: a small, good generator; its state is one integer. */
static uint64_t next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1): the top 53 bits. */
static double uniform(uint64_t *state)
{
    return (double)(next(state) >> 11) * 0x1.0p-53;
}

/* TODO: this state lives as long as the engine: item i's numbers depend
 * on every item the engine ran before it, so the answer changes with
 * the chunksize and the view.  Seed a local state from the item instead
 * (and drop this one). */
static uint64_t shared_state = 12345;

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
        uint64_t *state = &shared_state; /* TODO: seeded by items[k] */
        int64_t inside = 0;
        for (int s = 0; s < SAMPLES; s++) {
            double x = uniform(state), y = uniform(state);
            inside += x * x + y * y < 1.0;
        }
        est[k] = 4.0 * (double)inside / SAMPLES;
    }
    return 0;
}

PP_MODULE({ "mc_pi", "an estimate of pi from 10000 points for each item "
                     "(exercise 3)",
            mc_pi });
