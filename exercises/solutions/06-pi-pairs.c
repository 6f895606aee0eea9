/* Exercise 6, a solution: one pass, the previous digit kept. */
#include <pipar/workload.h>

static int count_pairs(const pp_value *args, size_t nargs, pp_values *out,
                       pp_error *err)
{
    const void *data;
    size_t n;
    int64_t *counts;
    if (pp_arg_bytes(args, nargs, 0, &data, &n, err)
        || !(counts = pp_ret_i64_array(out, 100, err)))
        return err->code;
    const unsigned char *d = data;
    for (size_t i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return pp_error_set(err, PP_EINVAL,
                                "byte %zu of the chunk is not a digit", i);
    for (size_t i = 0; i + 1 < n; i++)
        counts[(d[i] - '0') * 10 + (d[i + 1] - '0')]++;
    return 0;
}

PP_MODULE({ "count_pairs", "counts of the 100 two-digit pairs of a chunk "
                           "of digits (exercise 6)",
            count_pairs });
