/* module.h - your own C workloads on the engines: a module is one C file
 * that includes <pipar/workload.h> and ends with its PP_MODULE table
 * (docs/workloads.md).  Loading it compiles it on every engine of a
 * direct view, with the engine's C compiler, into the engine's cache, and
 * adds its workloads there: on every engine or on none.  Then
 * pp_view_apply / pp_view_map run them by name, as the built-in ones.
 *
 * Ownership: src and the names are only read.  A report is the caller's
 * (pp_module_report_free), strings in it included.
 *
 * Unloading is a task like any other: pp_view_apply(v, "unload", &name, 1)
 * with the module's name as a str value; it returns the workloads it
 * removed ("a,b"), and fails on an engine that lacks the module. */
#ifndef PP_MODULE_H
#define PP_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pipar/export.h>
#include <pipar/view.h>

/* The longest module name, and the largest source an engine takes. */
#define PP_MODULE_NAME_MAX 31
#define PP_MODULE_SOURCE_MAX (1 << 20)

typedef enum pp_module_state {
    PP_MODULE_COMPILED,  /* compiled now */
    PP_MODULE_CACHED,    /* found in the engine's compile cache */
    PP_MODULE_UNCHANGED, /* this very source was loaded there already */
    PP_MODULE_FAILED,    /* did not compile: messages is the compiler's */
    PP_MODULE_NO_ANSWER, /* the task failed (engine gone, --no-load, ...):
                            messages says why */
} pp_module_state;

typedef struct pp_module_engine {
    int64_t engine;
    pp_module_state state;
    double compile_s;     /* COMPILED: the compiler's time */
    char *messages;       /* FAILED, NO_ANSWER: why; else NULL */
} pp_module_engine;

typedef struct pp_module_report {
    size_t n;
    pp_module_engine *engines; /* one per engine of the view, in order */
    char *workloads;           /* the module's workloads, "a b c" */
    bool replaced;  /* it replaced an older module of its name */
    bool unchanged; /* every engine had this very source loaded */
} pp_module_report;

/* The module name a file gives: its base name without ".c", 1 to
 * PP_MODULE_NAME_MAX letters, digits, '_', '-' or '.' (not first).
 * PP_EINVAL with a one-line message otherwise. */
PP_EXPORT int pp_module_name(const char *file,
                             char name[PP_MODULE_NAME_MAX + 1],
                             pp_error *err);

/* Loads src (len bytes of C) as module `name` on every engine of the
 * direct view v; file is how the compiler's messages name it.  All or
 * none: when an engine cannot take it, the others drop it and err says
 * "load: nothing was loaded: ...".  *report (may be NULL) says what each
 * engine did, on failure too when the engines answered (the compiler's
 * messages are there); the caller frees it. */
PP_EXPORT int pp_view_load_module(pp_view *v, const char *name,
                                  const char *file, const char *src,
                                  size_t len, pp_module_report **report,
                                  pp_error *err);

PP_EXPORT void pp_module_report_free(pp_module_report **report);

#endif
