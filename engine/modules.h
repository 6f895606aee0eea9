/* modules.h - workload modules on an engine: C sources sent by `driver
 * load`, compiled by the system C compiler into a cache, dlopened, and run
 * by name beside the built-in workloads.
 *
 * Loading is two phases so that nothing is loaded anywhere unless every
 * engine compiled it: the `load` workload with "prepare" compiles (or
 * finds in the cache), dlopens and checks a module and keeps it staged;
 * "commit" makes the staged module the active one of its name (replacing
 * an older one), "abort" drops it.  The engine is single-threaded for
 * tasks, so a module is never closed while one of its workloads runs. */
#ifndef PP_ENGINE_MODULES_H
#define PP_ENGINE_MODULES_H

#include <stdbool.h>
#include <stddef.h>

#include "pipar/workload.h"

/* Most bytes of source a module may have (the driver checks it too). */
#define MODULES_SOURCE_MAX (1 << 20)
/* Most bytes of compiler output sent back. */
#define MODULES_LOG_MAX (16 << 10)

typedef struct modules_config {
    const char *cc;          /* the compiler command; words split at
                                spaces; NULL: "cc" */
    const char *cache_dir;   /* NULL: $XDG_CACHE_HOME/pipar/modules or
                                ~/.cache/pipar/modules */
    const char *modules_dir; /* NAME.c (+ NAME.name) loaded at start;
                                NULL: none */
    bool refuse;             /* engine --no-load */
    bool allow_root;         /* engine --allow-root-modules */
    double cc_timeout_s;     /* a compile that takes longer is killed */
} modules_config;

typedef struct module module;

typedef struct modules {
    modules_config cfg;
    module *active; /* the loaded modules, newest first */
    module *staged; /* prepared, waiting for commit or abort */
    char cc_id[200]; /* the compiler's `--version` line, once known */
} modules;

/* cfg is copied (its strings are borrowed: they must outlive m). */
void modules_init(modules *m, const modules_config *cfg);
/* Closes every module. */
void modules_free(modules *m);

/* The workload `name` of an active module (and that module's name, into
 * *module when not NULL), or NULL.  Borrowed: valid until the module is
 * unloaded or replaced. */
const pp_workload *modules_find(const modules *m, const char *name,
                                const char **module);

/* The `load` workload: str phase ("prepare", "commit", "abort"), str
 * module name, then for prepare str file name (as the user named it) and
 * str source.  prepare returns str state ("compiled", "cached",
 * "unchanged" or "failed"), str workload names ("a,b"), str compiler
 * output, f64 seconds; commit returns str state ("loaded", "replaced",
 * "unchanged") and the names. */
int modules_load_run(modules *m, const pp_value *args, size_t nargs,
                     pp_values *out, pp_error *err);

/* The `unload` workload: str module name; returns the names it removed,
 * or PP_ENOENT. */
int modules_unload_run(modules *m, const pp_value *args, size_t nargs,
                       pp_values *out, pp_error *err);

/* Appends a "name\tsummary\tmodule\n" line per active workload to the
 * malloc'd text *buf of *len bytes (realloc'd).  PP_ENOMEM. */
int modules_list(const modules *m, char **buf, size_t *len);

/* At start: compiles (usually a cache hit) and activates every NAME.c in
 * cfg->modules_dir, as `driver load` recorded them; failures are logged,
 * one line each, and skipped. */
void modules_load_dir(modules *m);

/* Compiles (or finds in the cache) and activates the module in the C
 * source at path, named after its file (NAME.c), replacing one of that
 * name: engine.conf's `load`.  A failure is an error of one line: the
 * file and why (the compiler's first error line when it did not
 * compile). */
int modules_load_file(modules *m, const char *path, pp_error *err);

#endif
