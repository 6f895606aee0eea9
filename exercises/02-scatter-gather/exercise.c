/* Exercise 2: scatter, execute, gather.
 *
 * Two workloads that work on the block of an array an engine holds:
 *   powers_of X E  -> [x**E for x in X]   (the article's powers)
 *   axpy X Y A     -> [A*x + y for x, y in zip(X, Y)]
 * `driver check` scatters X (and Y) over the engines, runs
 * out = workload(X, Y, A) on each engine's block, and gathers out.
 */
#include <pipar/workload.h>

static int powers_of(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    const int64_t *x;
    size_t n;
    int64_t e, *y;
    if (pp_arg_i64s(args, nargs, 0, &x, &n, err)
        || pp_arg_i64(args, nargs, 1, &e, err)
        || !(y = pp_ret_i64_array(out, n, err)))
        return err->code;
    /* TODO: y[i] = x[i] to the power e, for every i.  Refuse (return an
     * error with pp_error_set) an exponent below 0 and a power that does
     * not fit in int64 (__builtin_mul_overflow tells you), as the
     * built-in `powers` does.  This copies x, which is right only for
     * e = 1. */
    for (size_t i = 0; i < n; i++)
        y[i] = x[i];
    return 0;
}

static int axpy(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    (void)args;
    (void)nargs;
    (void)out;
    /* TODO: read X (argument 0) and Y (argument 1) with pp_arg_i64s and
     * A (argument 2) with pp_arg_i64; refuse X and Y of different
     * lengths; return A*x + y for each item (pp_ret_i64_array). */
    return pp_error_set(err, PP_EINVAL, "TODO: axpy is not written yet "
                                        "(exercise 2, step 3)");
}

PP_MODULE({ "powers_of", "x**e for each item (exercise 2)", powers_of },
          { "axpy", "a*x + y for each pair of items (exercise 2)", axpy });
