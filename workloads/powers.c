/* powers.c - the article's first workload: y = [x**e for x in x], exact. */
#include <stdint.h>
#include <stdlib.h>

#include "workload.h"

int pp_powers(const int64_t *x, size_t n, int64_t e, int64_t *y,
              pp_error *err)
{
    if (e < 0)
        return pp_error_set(err, PP_EINVAL,
                            "powers: exponent %lld is negative",
                            (long long)e);
    for (size_t i = 0; i < n; i++) {
        int64_t result = 1, base = x[i];
        if (base == 0 || base == 1 || base == -1) {
            /* The only bases whose powers never leave int64. */
            y[i] = base == -1 ? (e % 2 ? -1 : 1) : (e == 0 ? 1 : base);
            continue;
        }
        /* |base| >= 2 overflows within 63 steps, so this loop is short and
         * checks every step: the first overflow is the one reported. */
        for (int64_t k = 0; k < e; k++)
            if (__builtin_mul_overflow(result, base, &result))
                return pp_error_set(err, PP_EOVERFLOW,
                                    "powers: %lld**%lld does not fit in "
                                    "int64",
                                    (long long)x[i], (long long)e);
        y[i] = result;
    }
    return 0;
}

int pp_powers_run(const pp_value *args, size_t nargs, pp_values *out,
                  pp_error *err)
{
    if (nargs < 1 || nargs > 2 || args[0].type != PP_T_I64)
        return pp_error_set(err, PP_EINVAL,
                            "powers: needs an i64 array and an optional "
                            "exponent");
    int64_t e = 10;
    if (nargs == 2) {
        if (args[1].type != PP_T_I64 || pp_value_count(&args[1]) != 1)
            return pp_error_set(err, PP_EINVAL,
                                "powers: the exponent must be one i64");
        e = pp_value_i64s(&args[1])[0];
    }
    size_t n = pp_value_count(&args[0]);
    int64_t *y = malloc(n ? n * sizeof *y : 1);
    if (!y)
        return pp_error_set(err, PP_ENOMEM, "powers: out of memory");
    int rc = pp_powers(pp_value_i64s(&args[0]), n, e, y, err);
    if (rc) {
        free(y);
        return rc;
    }
    pp_value v;
    pp_value_take(&v, PP_T_I64, y, n * sizeof *y);
    if (pp_values_push(out, &v)) {
        pp_value_free(&v);
        return pp_error_set(err, PP_ENOMEM, "powers: out of memory");
    }
    return 0;
}
