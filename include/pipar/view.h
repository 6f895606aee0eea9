/* view.h - views over the engines: the direct view (scatter, execute,
 * gather, apply on each engine of the view) and the load-balanced view
 * (apply and map on whichever engine is free).
 *
 * Ownership: views are the caller's (pp_view_destroy, before the client).
 * Values passed in are borrowed: the view copies what it sends, except
 * pp_view_submit, which consumes them.  Async results and values returned
 * are owned by the caller (pp_async_destroy, pp_value_free,
 * pp_values_free). */
#ifndef PP_VIEW_H
#define PP_VIEW_H

#include <pipar/client.h>
#include <pipar/export.h>

typedef struct pp_view pp_view;

/* A direct view over the given engine ids, or, with targets NULL, over
 * every engine registered now (in id order).  Asks the controller (one
 * round trip): an id no engine has is refused ("no engine 5 is registered
 * (engines: 0, 1)"), and so is a view over no engines.  A restarted
 * controller numbers its engines anew, in the order they come back: the
 * view's tasks are then refused ("... numbered before the controller
 * restarted ... (make the view again)") rather than sent to the engine
 * that has the id now.  Caller owns the view. */
PP_EXPORT pp_view *pp_client_direct(
    pp_client *c, const int64_t *targets, size_t n, pp_error *err);
/* A load-balanced view: each task goes to an engine the controller's
 * scheduler picks.  Caller owns the view. */
PP_EXPORT pp_view *pp_client_balanced(pp_client *c, pp_error *err);

PP_EXPORT void pp_view_destroy(pp_view **view_p);

/* The flags of the tasks the view sends from now on (retries, timeout,
 * after); copied.  NULL resets them.  A timeout out of range
 * (pp_task_timeout_ms) is refused and the flags stay as they were. */
PP_EXPORT int pp_view_set_flags(
    pp_view *v, const pp_task_opts *opts, pp_error *err);

PP_EXPORT const int64_t *pp_view_targets(const pp_view *v, size_t *n);

/* A direct view of the i-th engine of direct view v, as v names it (the
 * same controller run: no round trip, and a restart since v was made is
 * still refused); NULL with err when v is balanced or i out of range.
 * Caller owns the view. */
PP_EXPORT pp_view *pp_view_one(const pp_view *v, size_t i, pp_error *err);

/* The client the view sends through (borrowed). */
PP_EXPORT pp_client *pp_view_client(const pp_view *v);

/* How long blocking calls wait; negative (the default) without limit. */
PP_EXPORT void pp_view_set_timeout(pp_view *v, double timeout_s);

/* Direct view: runs workload(args) once on every engine of the view; task
 * i of the async result ran on target i.  Balanced view: runs it once, on
 * whichever engine the scheduler picks. */
PP_EXPORT pp_async *pp_view_apply_async(pp_view *v, const char *workload,
    const pp_value *args, size_t nargs, pp_error *err);

/* Sends one apply task with the view's flags, joining *a (created when
 * NULL; the caller owns it): to the scheduler on a balanced view, to the
 * first target on a direct one.  vals are consumed.  For task graphs built
 * one task at a time. */
PP_EXPORT int pp_view_submit(pp_view *v, pp_async **a, const char *workload,
    pp_value *vals, size_t n, pp_error *err);

/* The blocking apply: waits, then returns the first failure, if any.
 * *result (owned by the caller) is set either way when non-NULL. */
PP_EXPORT int pp_view_apply(pp_view *v, const char *workload,
    const pp_value *args, size_t nargs, pp_async **result, pp_error *err);

/* Cuts an i64 or f64 array into contiguous blocks, one per engine in
 * target order, and stores block p as `name` on engine p. */
PP_EXPORT int pp_view_scatter(
    pp_view *v, const char *name, const pp_value *seq, pp_error *err);

/* On every engine: output = workload(inputs..., extra...), where inputs
 * is a comma-separated list of names in the engine's namespace. */
PP_EXPORT int pp_view_execute(pp_view *v, const char *workload,
    const char *inputs, const char *output, const pp_value *extra,
    size_t nextra, pp_error *err);

/* push: stores a copy of value as `name` on every engine of the view
 * (dview.push({name: value})). */
PP_EXPORT int pp_view_push(
    pp_view *v, const char *name, const pp_value *value, pp_error *err);

/* pull: `name` from every engine of the view, value p from target p, into
 * *out (the caller's: pp_values_free) (dview.pull(name)). */
PP_EXPORT int pp_view_pull(
    pp_view *v, const char *name, pp_values *out, pp_error *err);

/* Pulls `name` from every engine and concatenates the arrays in target
 * order into *out (owned by the caller). */
PP_EXPORT int pp_view_gather(
    pp_view *v, const char *name, pp_value *out, pp_error *err);

/* map: cuts an i64 or f64 array into tasks of contiguous items and runs
 * workload(chunk, extra...) on each; the results, gathered in order
 * (pp_async_gather), are the map's result.  A balanced view makes
 * ceil(len / chunksize) tasks (chunksize 0 means 1, as in ipyparallel); a
 * direct view makes one task per engine, as scatter does. */
PP_EXPORT pp_async *pp_view_map_async(pp_view *v, const char *workload,
    const pp_value *seq, size_t chunksize, const pp_value *extra,
    size_t nextra, pp_error *err);

/* The blocking map: waits and gathers into *out (owned by the caller). */
PP_EXPORT int pp_view_map(pp_view *v, const char *workload,
    const pp_value *seq, size_t chunksize, const pp_value *extra,
    size_t nextra, pp_value *out, pp_error *err);

#endif
