/* Exercise 2, a solution: powers_of and axpy. */
#include <pipar/workload.h>

static int powers_of(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    const int64_t *x;
    size_t n;
    int64_t e, *y;
    if (pp_arg_i64s(args, nargs, 0, &x, &n, err)
        || pp_arg_i64(args, nargs, 1, &e, err))
        return err->code;
    if (e < 0)
        return pp_error_set(err, PP_EINVAL, "exponent %lld is negative",
                            (long long)e);
    if (!(y = pp_ret_i64_array(out, n, err)))
        return err->code;
    for (size_t i = 0; i < n; i++) {
        int64_t p = 1;
        /* x**e by squaring would be faster; e is small here. */
        for (int64_t k = 0; k < e; k++)
            if (__builtin_mul_overflow(p, x[i], &p))
                return pp_error_set(err, PP_EOVERFLOW,
                                    "%lld**%lld does not fit in int64",
                                    (long long)x[i], (long long)e);
        y[i] = p;
    }
    return 0;
}

static int axpy(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    const int64_t *x, *y;
    size_t nx, ny;
    int64_t a, *r;
    if (pp_arg_i64s(args, nargs, 0, &x, &nx, err)
        || pp_arg_i64s(args, nargs, 1, &y, &ny, err)
        || pp_arg_i64(args, nargs, 2, &a, err))
        return err->code;
    if (nx != ny)
        return pp_error_set(err, PP_EINVAL, "x has %zu items and y %zu",
                            nx, ny);
    if (!(r = pp_ret_i64_array(out, nx, err)))
        return err->code;
    for (size_t i = 0; i < nx; i++)
        if (__builtin_mul_overflow(a, x[i], &r[i])
            || __builtin_add_overflow(r[i], y[i], &r[i]))
            return pp_error_set(err, PP_EOVERFLOW,
                                "a*x + y does not fit in int64 at item %zu",
                                i);
    return 0;
}

PP_MODULE({ "powers_of", "x**e for each item (exercise 2)", powers_of },
          { "axpy", "a*x + y for each pair of items (exercise 2)", axpy });
