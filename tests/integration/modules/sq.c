/* sq.c - a test module: square and sum_range. */
#include <pipar/workload.h>

/* square: x*x for each i64 item. */
static int square(const pp_value *args, size_t nargs, pp_values *out,
                  pp_error *err)
{
    const int64_t *x;
    size_t n;
    int rc = pp_arg_i64s(args, nargs, 0, &x, &n, err);
    int64_t *y = rc ? NULL : pp_ret_i64_array(out, n, err);
    if (!y)
        return err->code;
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] * x[i];
    return 0;
}

/* sum_range: the sum of the integers in [a, b). */
static int sum_range(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    int64_t a, b, s = 0;
    int rc = pp_arg_i64(args, nargs, 0, &a, err);
    if (!rc)
        rc = pp_arg_i64(args, nargs, 1, &b, err);
    if (rc)
        return rc;
    for (int64_t i = a; i < b; i++)
        s += i;
    return pp_ret_i64(out, s, err);
}

static int nothing(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    (void)args; (void)nargs; (void)out; (void)err;
    return 0;
}

PP_MODULE({ "square", "x*x for each i64 item", square },
          { "sum_range", "the sum of the integers in [a, b)", sum_range },
          { "nothing", "does nothing (a loaded noop)", nothing });
