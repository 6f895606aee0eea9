/* engine.h - an engine: registers with the controller, then runs tasks one
 * at a time from the workload registry, keeping a namespace of values. */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>

#include "modules.h"
#include "pipar/error.h"
#include "wire.h"

/* What a supervised worker shares with its supervisor (supervise.c), in a
 * page mapped before the fork.  The worker writes it; the supervisor reads
 * name and rid only once the worker is dead, so they need no lock, and
 * reads task, started_ns and limit_ms while it runs, to enforce a task's
 * time limit: the worker sets those two before task and clears task first,
 * so a task read the same before and after them is theirs. */
typedef struct engine_shared {
    _Atomic int32_t id;      /* the engine id; -1 until registered */
    uint8_t rid[16];         /* the main socket's routing id */
    _Atomic uint64_t task;   /* the task running (its client-visible id),
                                0 between tasks */
    _Atomic int64_t started_ns; /* when it started (monotonic) */
    _Atomic int64_t limit_ms;   /* its time limit; 0: none */
    char name[PP_NAME_MAX];  /* that task's workload */
} engine_shared;

/* Written to ready_fd, in place of an engine id, when a task with a time
 * limit starts: the supervisor wakes to time it. */
#define ENGINE_LIMITED_TASK (-2)

typedef struct engine_config {
    const char *file;      /* engine.json to use */
    double timeout_s;      /* how long registration may take */
    double task_delay_s;   /* added before every task: a slower engine */
    modules_config modules; /* the compiler, cache, --no-load, ... */
    const char *load;       /* engine.conf's load: sources joined by ',',
                               loaded before registering; NULL: none */
    const char *load_where; /* "PATH:LINE: load", starting its errors */
    engine_shared *shared;  /* supervised: the page above, else NULL */
    int ready_fd;           /* supervised: each registration writes the
                               engine id (int32) here, and each task with
                               a time limit ENGINE_LIMITED_TASK; -1 when
                               not */
    bool restarted;         /* a worker its supervisor started again (after
                               a crash or a time limit): it registers
                               however long the controller takes, as the
                               heart of one that did not crash would, not
                               within timeout_s */
} engine_config;

/* Runs until SIGINT/SIGTERM (then unregisters) or a fatal error. */
int engine_run(const engine_config *cfg, pp_error *err);

#endif
