/* registry.c - the table of workloads, one row each. */
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
    { "pi_sqrt", "42688 sqrt(10005) in fixed point, for the finish",
      pp_pi_sqrt_run },
    { "pi_divide", "pi / 10 in fixed point from Q, T and the square root",
      pp_pi_divide_run },
    { "pi_decimal", "decimal digits of a fixed-point value, or one half",
      pp_pi_decimal_run },
};

const pp_workload *pp_workload_find(const char *name)
{
    for (size_t i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

const pp_workload *pp_workloads(size_t *count)
{
    *count = sizeof workloads / sizeof workloads[0];
    return workloads;
}
