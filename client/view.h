/* view.h - views over the engines: the direct view (scatter, execute,
 * gather, apply on each engine of the view) and the load-balanced view
 * (apply and map on whichever engine is free).
 *
 * Values passed in are borrowed: the view copies what it sends.  Async
 * results returned are owned by the caller (pp_async_destroy). */
#ifndef PP_VIEW_H
#define PP_VIEW_H

#include "client.h"

typedef struct pp_view pp_view;

/* A direct view over the given engine ids, or, with targets NULL, over
 * every engine registered now (in id order).  A view over no engines is
 * an error.  Caller owns the view. */
pp_view *pp_client_direct(pp_client *c, const int64_t *targets, size_t n,
                          pp_error *err);
/* A load-balanced view: each task goes to an engine the controller's
 * scheduler picks.  Caller owns the view. */
pp_view *pp_client_balanced(pp_client *c, pp_error *err);

void pp_view_destroy(pp_view **view_p);

/* The flags of the tasks the view sends from now on (retries, timeout,
 * after); copied.  NULL resets them.  A timeout out of range
 * (pp_task_timeout_ms) is refused and the flags stay as they were. */
int pp_view_set_flags(pp_view *v, const pp_task_opts *opts, pp_error *err);

const int64_t *pp_view_targets(const pp_view *v, size_t *n);

/* The client the view sends through (borrowed). */
pp_client *pp_view_client(const pp_view *v);

/* How long blocking calls wait; negative (the default) without limit. */
void pp_view_set_timeout(pp_view *v, double timeout_s);

/* Direct view: runs workload(args) once on every engine of the view; task
 * i of the async result ran on target i.  Balanced view: runs it once, on
 * whichever engine the scheduler picks. */
pp_async *pp_view_apply_async(pp_view *v, const char *workload,
                              const pp_value *args, size_t nargs,
                              pp_error *err);

/* Sends one apply task with the view's flags, joining *a (created when
 * NULL; the caller owns it): to the scheduler on a balanced view, to the
 * first target on a direct one.  vals are consumed.  For task graphs built
 * one task at a time. */
int pp_view_submit(pp_view *v, pp_async **a, const char *workload,
                   pp_value *vals, size_t n, pp_error *err);

/* The blocking apply: waits, then returns the first failure, if any.
 * *result (owned by the caller) is set either way when non-NULL. */
int pp_view_apply(pp_view *v, const char *workload, const pp_value *args,
                  size_t nargs, pp_async **result, pp_error *err);

/* Cuts an i64 or f64 array into contiguous blocks, one per engine in
 * target order, and stores block p as `name` on engine p. */
int pp_view_scatter(pp_view *v, const char *name, const pp_value *seq,
                    pp_error *err);

/* On every engine: output = workload(inputs..., extra...), where inputs
 * is a comma-separated list of names in the engine's namespace. */
int pp_view_execute(pp_view *v, const char *workload, const char *inputs,
                    const char *output, const pp_value *extra,
                    size_t nextra, pp_error *err);

/* Pulls `name` from every engine and concatenates the arrays in target
 * order into *out (owned by the caller). */
int pp_view_gather(pp_view *v, const char *name, pp_value *out,
                   pp_error *err);

/* map: cuts an i64 or f64 array into tasks of contiguous items and runs
 * workload(chunk, extra...) on each; the results, gathered in order
 * (pp_async_gather), are the map's result.  A balanced view makes
 * ceil(len / chunksize) tasks (chunksize 0 means 1, as in ipyparallel); a
 * direct view makes one task per engine, as scatter does. */
pp_async *pp_view_map_async(pp_view *v, const char *workload,
                            const pp_value *seq, size_t chunksize,
                            const pp_value *extra, size_t nextra,
                            pp_error *err);

/* The blocking map: waits and gathers into *out (owned by the caller). */
int pp_view_map(pp_view *v, const char *workload, const pp_value *seq,
                size_t chunksize, const pp_value *extra, size_t nextra,
                pp_value *out, pp_error *err);

#endif
