/* args.h - strict parsing of command-line numbers, with errors that name the
 * option and the value. */
#ifndef PP_ARGS_H
#define PP_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "pipar/error.h"

/* A whole decimal integer in [min, max]: "64" yes; "", "6x", "1e3", "-1"
 * (when min is 0) no. */
int pp_parse_i64(const char *option, const char *s, int64_t min, int64_t max,
                 int64_t *out, pp_error *err);

/* A finite decimal number of seconds in [min, max]. */
int pp_parse_seconds(const char *option, const char *s, double min,
                     double max, double *out, pp_error *err);

/* A size in bytes in [min, max]: "1048576", "64K", "512M", "1G" (powers
 * of 1024). */
int pp_parse_bytes(const char *option, const char *s, int64_t min,
                   int64_t max, int64_t *out, pp_error *err);

/* A switch in a configuration file: true, false, yes, no, on, off. */
int pp_parse_bool(const char *option, const char *s, bool *out,
                  pp_error *err);

#endif
