/* spin.c - a test module for time limits: spin squares i64 items, but an
 * item that is negative makes it loop for ever (a student's missing loop
 * exit), so only its engine's supervisor can stop it. */
#include <pipar/workload.h>

static int spin(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    const int64_t *x;
    size_t n;
    int rc = pp_arg_i64s(args, nargs, 0, &x, &n, err);
    int64_t *y = rc ? NULL : pp_ret_i64_array(out, n, err);
    if (!y)
        return err->code;
    for (size_t i = 0; i < n; i++) {
        volatile int64_t v = x[i];
        while (v < 0)
            ; /* for ever */
        y[i] = x[i] * x[i];
    }
    return 0;
}

PP_MODULE({ "spin", "x*x for each item; loops for ever on a negative one",
            spin });
