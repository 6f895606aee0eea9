/* wlist.h - `driver workloads`: the union of the tables the engines send
 * (the `workloads` workload), so that the listing says what the cluster
 * can run, and which engines lack a workload when they differ (an x86 and
 * an ARM build, engines of different versions). */
#ifndef PP_WLIST_H
#define PP_WLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipar/error.h"

/* One engine's answer: its id and the text of its table, "name\tsummary"
 * lines, "name\tsummary\tmodule" for a loaded module's workloads (not
 * NUL-terminated; as it came off the wire). */
typedef struct pp_wlist_engine {
    int64_t id;
    const char *text;
    size_t len;
} pp_wlist_engine;

/* Prints every workload any engine has, a line each in the order first
 * seen ("name  module  summary", the module "built in" for the engine's
 * own), names and modules in columns; a workload that not
 * every engine has ends with "(not on engine 2)" or "(not on engines 0,
 * 3)".  Names and summaries are printed as plain text only: other bytes
 * become '?', a name is cut at 31 characters, a summary at 200.  Lines
 * without a tab are skipped.  PP_ENOMEM, or PP_EINVAL when no engine
 * listed a single workload. */
int pp_wlist_print(FILE *out, const pp_wlist_engine *engines, size_t n,
                   pp_error *err);

#endif
