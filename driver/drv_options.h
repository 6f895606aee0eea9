/* drv_options.h - the driver's own options (before its command): one table
 * (conf.h) that its command line and driver.conf share, and the function
 * applying a value of either. */
#ifndef PP_DRIVER_OPTIONS_H
#define PP_DRIVER_OPTIONS_H

#include "cli.h"
#include "conf.h"

/* Applies value as option id (the getopt value of its long option) to
 * the cli_opts *opts. */
int drv_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err);

/* driver.conf's keys. */
extern const pp_conf_table drv_conf_table;

#endif
