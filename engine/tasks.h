/* tasks.h - what an engine does with a task, apart from sockets: the
 * engine's loop and the fuzzer call the same function. */
#ifndef PP_ENGINE_TASKS_H
#define PP_ENGINE_TASKS_H

#include "modules.h"
#include "namespace.h"
#include "pipar/value.h"
#include "wire.h"

/* Runs task h (APPLY, EXECUTE, PUSH or PULL) on the values in (consumed
 * where a value moves into the namespace), appending its results to out,
 * which the caller owns and frees, also on error.  ns and mods are the
 * engine's.  On failure: a PP_E code and a one-line message in err. */
int engine_run_task(pp_namespace *ns, modules *mods, const pp_header *h,
                    pp_values *in, pp_values *out, pp_error *err);

#endif
