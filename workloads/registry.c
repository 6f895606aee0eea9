/* registry.c - the table of workloads, one row each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

static const pp_workload workloads[] = {
    { "hello", "returns the string 'Hello World'", pp_hello_run },
    { "noop", "does nothing and returns nothing", pp_noop_run },
    { "sleep", "sleeps for its argument's seconds (f64 or i64)",
      pp_sleep_run },
    { "echo", "returns its arguments unchanged", pp_echo_run },
    { "fail", "fails with its str argument as the error", pp_fail_run },
    { "powers", "x**e for an i64 array x and exponent e (default 10)",
      pp_powers_run },
    { "pairs", "counts of the 100 two-digit pairs in a chunk of digits",
      pp_pairs_run },
    { "pairs_local", "the same over [offset, length) of this engine's own "
                     "digits file",
      pp_pairs_local_run },
    { "pi_leaf", "P, Q, T of the Chudnovsky series over terms [a, b)",
      pp_pi_leaf_run },
    { "pi_merge", "P, Q, T of two adjacent ranges of terms, merged",
      pp_pi_merge_run },
    { "pi_merge_pq", "P and Q of a merge (its other two products: "
                     "pi_merge_t)",
      pp_pi_merge_pq_run },
    { "pi_merge_t", "T of a merge, from two P, Q, T triples",
      pp_pi_merge_t_run },
    { "pi_tail", "the right range's share of the quotient, from both "
                 "ranges' P, Q, T (or in two steps, the left range's "
                 "first)",
      pp_pi_tail_run },
    { "pi_sqrt", "42688 sqrt(10005) in fixed point, for the finish",
      pp_pi_sqrt_run },
    { "pi_divide", "pi / 10 in fixed point from Q, T and the square root",
      pp_pi_divide_run },
    { "pi_decimal", "decimal digits of a fixed-point value, or one half",
      pp_pi_decimal_run },
    { "pi_decimal_tail", "the same of the value times 1 + the right "
                         "range's share",
      pp_pi_decimal_tail_run },
    { "pi_decimal_cut", "a fixed-point value's digits cut in two values "
                        "(the conversion as a tree across engines)",
      pp_pi_decimal_cut_run },
    { "pi_decimal_side", "decimal digits of one side of a cut",
      pp_pi_decimal_side_run },
    { "pi_pow5", "5^k, the power of the conversion's first cut, computed "
                 "ahead",
      pp_pi_pow5_run },
    { "workloads", "this table: a 'name<TAB>summary' line a workload",
      pp_workloads_run },
};

const pp_workload *pp_workload_find(const char *name)
{
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

int pp_workloads_run(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    (void)args;
    if (nargs != 0)
        return pp_error_set(err, PP_EINVAL, "workloads: takes no arguments");
    size_t size = 1;
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        size += strlen(workloads[i].name) + strlen(workloads[i].summary) + 2;
    char *text = malloc(size), *p = text;
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "workloads: out of memory");
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        p += sprintf(p, "%s\t%s\n", workloads[i].name, workloads[i].summary);
    pp_value v;
    pp_value_take(&v, PP_T_STR, text, (size_t)(p - text));
    if (pp_values_push(out, &v)) {
        pp_value_free(&v);
        return pp_error_set(err, PP_ENOMEM, "workloads: out of memory");
    }
    return 0;
}

const pp_workload *pp_workloads(size_t *count)
{
    *count = sizeof workloads / sizeof workloads[0];
    return workloads;
}
