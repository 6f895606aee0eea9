/* workload.h - the registry of named C workloads an engine can run.
 *
 * A workload takes the task's values (borrowed: it must not free them) and
 * appends its results to out (which the caller owns and frees, also on
 * error).  On failure it returns a PP_E code with a one-line message in err
 * naming the bad item; the engine sends that back to the client. */
#ifndef PP_WORKLOAD_H
#define PP_WORKLOAD_H

#include <stddef.h>

#include "pipar/error.h"
#include "pipar/value.h"
/* pp_workload_fn, pp_workload and the pp_arg_ / pp_ret_ helpers: the same
 * contract a loaded module writes to. */
#include "pipar/workload.h"

/* NULL when there is no workload of that name. */
const pp_workload *pp_workload_find(const char *name);

/* The whole table, for listings.  The `workloads` workload sends it to
 * the driver, a "name\tsummary\n" line a row, so that `driver workloads`
 * lists what the engines have, not what the driver was built with. */
const pp_workload *pp_workloads(size_t *count);

/* The rows, one file each. */
pp_workload_fn pp_hello_run, pp_noop_run, pp_sleep_run, pp_echo_run,
    pp_fail_run, pp_powers_run, pp_pi_leaf_run, pp_pi_merge_run,
    pp_pi_merge_pq_run, pp_pi_merge_t_run,
    pp_pi_tail_run, pp_pi_sqrt_run, pp_pi_divide_run, pp_pi_decimal_run,
    pp_pi_decimal_tail_run, pp_pi_decimal_cut_run, pp_pi_decimal_side_run,
    pp_pi_pow5_run,
    pp_pairs_run,
    pp_pairs_local_run, pp_workloads_run;

/* engine.conf's data_file: checks path against the path.sha256 beside
 * it and keeps it mapped, so the pairs_local tasks of the same file
 * (found in dir, the engine's data directory, which must hold it) start
 * at once.  A forked worker inherits the mapping. */
int pp_pairs_local_open(const char *dir, const char *path, pp_error *err);

/* x**e for every x, exact; PP_EOVERFLOW naming the first item whose power
 * does not fit in int64.  Exposed for tests and the driver's own checks. */
int pp_powers(const int64_t *x, size_t n, int64_t e, int64_t *y,
              pp_error *err);

#endif
