/* Exercise 4: chunksize.
 *
 * tiny: for each item x of its chunk, 3*x + 1 -- a task so small that
 * sending it costs far more than running it.  The map cuts the range
 * into tasks of chunksize items; each task gets an i64 array of them and
 * must return one result per item, in order.
 */
#include <pipar/workload.h>

static int tiny(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    const int64_t *x;
    size_t n;
    int64_t *y;
    if (pp_arg_i64s(args, nargs, 0, &x, &n, err))
        return err->code;
    /* TODO: this answers for the first item of the chunk only, which is
     * right at chunksize 1 and wrong at any other: make one result per
     * item (pp_ret_i64_array(out, n, err)). */
    if (n == 0 || !(y = pp_ret_i64_array(out, 1, err)))
        return n ? err->code : 0;
    y[0] = 3 * x[0] + 1;
    return 0;
}

PP_MODULE({ "tiny", "3*x + 1 for each item (exercise 4)", tiny });
