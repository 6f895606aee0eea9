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
