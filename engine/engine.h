/* engine.h - an engine: registers with the controller, then runs tasks one
 * at a time from the workload registry, keeping a namespace of values. */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include "modules.h"
#include "pipar/error.h"

typedef struct engine_config {
    const char *file;      /* engine.json to use */
    double timeout_s;      /* how long registration may take */
    double task_delay_s;   /* added before every task: a slower engine */
    modules_config modules; /* the compiler, cache, --no-load, ... */
} engine_config;

/* Runs until SIGINT/SIGTERM (then unregisters) or a fatal error. */
int engine_run(const engine_config *cfg, pp_error *err);

#endif
