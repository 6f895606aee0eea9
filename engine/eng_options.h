/* eng_options.h - the engine's options: one table (conf.h) that its command
 * line and engine.conf share, and the function applying a value of
 * either.  engine.conf also names startup steps no option has: modules
 * to load (load) and a digits file to check and keep open (data_file). */
#ifndef PP_ENGINE_OPTIONS_H
#define PP_ENGINE_OPTIONS_H

#include <stdbool.h>

#include "conf.h"
#include "modules.h"

/* Its strings are borrowed from argv or a pp_conf. */
typedef struct eng_opts {
    const char *file;       /* --file: engine.json */
    double timeout_s;       /* --timeout */
    double task_delay_s;    /* --task-delay */
    int level;              /* --log-level, a pp_log_level */
    const char *data_dir;   /* --data-dir; NULL: $PIPAR_DATA_DIR or data */
    modules_config mods;    /* --cc, --cache-dir, --modules-dir,
                               --no-load, --allow-root-modules */
    bool modules_dir_given; /* --modules-dir, even "" (none) */
    bool no_restart;        /* --no-restart */
    const char *load;       /* load: module sources, joined by ',' */
    const char *load_where; /* "PATH:LINE: load", for its errors */
    const char *data_file;  /* data_file: digits checked at start */
    const char *data_file_where;
} eng_opts;

/* Ids of the keys without an option. */
enum { ENG_KEY_LOAD = 1, ENG_KEY_DATA_FILE = 2 };

void eng_opts_init(eng_opts *o);

/* Applies value as option id (the getopt value of its long option, or
 * ENG_KEY_*) to the eng_opts *opts. */
int eng_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err);

/* engine.conf's keys. */
extern const pp_conf_table eng_conf_table;

#endif
