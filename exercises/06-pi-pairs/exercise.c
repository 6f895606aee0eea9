/* Exercise 6: pi pairs, with your own counting kernel.
 *
 * count_pairs: one bytes argument, a chunk of the decimal digits of pi
 * as text ("31415926..."); returns one i64 array of 100 counts, where
 * counts[10*a + b] is how many times digit a is followed by digit b in
 * the chunk.  A chunk of n digits holds n - 1 such pairs: chunks overlap
 * by one digit, so that a pair across a boundary is counted once.
 */
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
    /* TODO: this counts the pairs 31, 41, 59, ... but not 14, 15, 92:
     * the pairs overlap ("3141" has the pairs 31, 14 and 41).  Also
     * refuse a byte that is not a digit (pp_error_set). */
    for (size_t i = 0; i + 1 < n; i += 2)
        counts[(d[i] - '0') * 10 + (d[i + 1] - '0')]++;
    return 0;
}

PP_MODULE({ "count_pairs", "counts of the 100 two-digit pairs of a chunk "
                           "of digits (exercise 6)",
            count_pairs });
