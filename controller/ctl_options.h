/* ctl_options.h - the controller's options: one table (conf.h) that its
 * command line and controller.conf share, and the function applying a
 * value of either. */
#ifndef PP_CONTROLLER_OPTIONS_H
#define PP_CONTROLLER_OPTIONS_H

#include <stdbool.h>

#include "conf.h"
#include "hub.h"
#include "log.h"

typedef struct ctl_opts {
    hub_config cfg; /* its strings are borrowed from argv or a pp_conf */
    bool insecure;  /* --insecure */
    int level;      /* --log-level, a pp_log_level */
} ctl_opts;

/* The defaults. */
void ctl_opts_init(ctl_opts *o);

/* Applies value as option id (the getopt value of its long option) to
 * the ctl_opts *opts; a flag takes "true" (the command line) or any
 * pp_parse_bool value. */
int ctl_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err);

/* controller.conf's keys. */
extern const pp_conf_table ctl_conf_table;

#endif
