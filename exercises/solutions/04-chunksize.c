/* Exercise 4, a solution: one result per item of the chunk. */
#include <pipar/workload.h>

static int tiny(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    const int64_t *x;
    size_t n;
    int64_t *y;
    if (pp_arg_i64s(args, nargs, 0, &x, &n, err)
        || !(y = pp_ret_i64_array(out, n, err)))
        return err->code;
    for (size_t i = 0; i < n; i++)
        y[i] = 3 * x[i] + 1;
    return 0;
}

PP_MODULE({ "tiny", "3*x + 1 for each item (exercise 4)", tiny });
