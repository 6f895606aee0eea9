/* workload.h - writing workloads: the functions engines run by name.
 *
 * A workload takes the task's values and appends its results to out:
 *
 *   int square(const pp_value *args, size_t nargs, pp_values *out,
 *              pp_error *err);
 *
 * args are borrowed (the workload must not free or keep them); out is the
 * caller's, freed by the caller also when the workload fails.  A workload
 * returns 0, or a negative PP_E code with a one-line message in err
 * (pp_error_set, or what a pp_arg_ / pp_ret_ helper set): the client
 * sees "engine N: NAME: message".
 *
 * A module is one C file that includes this header and ends with one
 * table of its workloads:
 *
 *   PP_MODULE({ "square", "x*x for each i64 item", square },
 *             { "sum_range", "the sum of an i64 array", sum_range });
 *
 * `driver load FILE.c` compiles it on every engine and adds its workloads
 * to what they run (docs/workloads.md).  The built-in workloads use the
 * same types and helpers. */
#ifndef PP_PUBLIC_WORKLOAD_H
#define PP_PUBLIC_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include <pipar/error.h>
#include <pipar/export.h>
#include <pipar/value.h>

/* Bumped whenever pp_module, pp_workload or a helper below changes in a
 * way a compiled module would notice; an engine refuses a module built
 * for another version. */
#define PP_WORKLOAD_ABI 1

typedef int pp_workload_fn(const pp_value *args, size_t nargs,
                           pp_values *out, pp_error *err);

typedef struct pp_workload {
    const char *name;    /* letters, digits, '_', '-', '.'; 1 to 31 */
    const char *summary; /* one line for `driver workloads` */
    pp_workload_fn *run;
} pp_workload;

/* What a module exports, under the name PP_MODULE_SYMBOL. */
typedef struct pp_module {
    uint32_t abi; /* PP_WORKLOAD_ABI of the header it was built with */
    uint32_t count;
    const pp_workload *workloads;
} pp_module;

#define PP_MODULE_SYMBOL "pipar_module_v1"

/* Declares the module's table: one { name, summary, function } row per
 * workload.  Use it once, at file scope. */
#define PP_MODULE(...)                                                     \
    static const pp_workload pp_module_rows_[] = { __VA_ARGS__ };         \
    PP_EXPORT const pp_module pipar_module_v1 = {                          \
        PP_WORKLOAD_ABI,                                                   \
        (uint32_t)(sizeof pp_module_rows_ / sizeof pp_module_rows_[0]),    \
        pp_module_rows_,                                                   \
    }

/* Arguments, by position i (from 0).  Each returns 0, or PP_EINVAL with
 * a message in err naming the position and what it wanted and got:
 *   "argument 1 is missing (expected one i64; got 1 argument)"
 *   "argument 0 is a str, expected one i64"
 * so that `return rc;` passes it on unchanged. */

/* One i64 (an array of exactly one item). */
PP_EXPORT int pp_arg_i64(const pp_value *args, size_t nargs, size_t i,
                         int64_t *x, pp_error *err);
/* One f64; one i64 is accepted too and converted ("3" on a command line
 * arrives as an i64). */
PP_EXPORT int pp_arg_f64(const pp_value *args, size_t nargs, size_t i,
                         double *x, pp_error *err);
/* A str, copied into buf with a NUL; longer than size - 1 bytes is an
 * error. */
PP_EXPORT int pp_arg_str(const pp_value *args, size_t nargs, size_t i,
                         char *buf, size_t size, pp_error *err);
/* Bytes (a str is accepted too): borrowed, valid during the call. */
PP_EXPORT int pp_arg_bytes(const pp_value *args, size_t nargs, size_t i,
                           const void **data, size_t *size, pp_error *err);
/* An i64 or f64 array of any length (0 too): borrowed, valid during the
 * call. */
PP_EXPORT int pp_arg_i64s(const pp_value *args, size_t nargs, size_t i,
                          const int64_t **items, size_t *count,
                          pp_error *err);
PP_EXPORT int pp_arg_f64s(const pp_value *args, size_t nargs, size_t i,
                          const double **items, size_t *count,
                          pp_error *err);

/* Results, appended to out in order.  Each copies its input and returns 0
 * or PP_ENOMEM ("out of memory"). */
PP_EXPORT int pp_ret_i64(pp_values *out, int64_t x, pp_error *err);
PP_EXPORT int pp_ret_f64(pp_values *out, double x, pp_error *err);
PP_EXPORT int pp_ret_str(pp_values *out, const char *s, pp_error *err);
PP_EXPORT int pp_ret_bytes(pp_values *out, const void *data, size_t size,
                           pp_error *err);
PP_EXPORT int pp_ret_i64s(pp_values *out, const int64_t *items, size_t n,
                          pp_error *err);
PP_EXPORT int pp_ret_f64s(pp_values *out, const double *items, size_t n,
                          pp_error *err);
/* A result array of n zeroed items to fill in place (no copy): owned by
 * out, valid until out is freed.  NULL with err set when out of memory. */
PP_EXPORT int64_t *pp_ret_i64_array(pp_values *out, size_t n, pp_error *err);
PP_EXPORT double *pp_ret_f64_array(pp_values *out, size_t n, pp_error *err);

#endif
