/* repr.h - printing values the way Python prints lists, so the driver's
 * output reads like the article's. */
#ifndef PP_REPR_H
#define PP_REPR_H

#include <stdint.h>
#include <stdio.h>

#include "pipar/value.h"

/* [0, 1, 1024] */
void pp_repr_i64s(FILE *f, const int64_t *items, size_t n);

/* 'Hello World', with quotes and backslashes escaped as Python does */
void pp_repr_str(FILE *f, const char *s, size_t len);

/* 0.1, 2.0, 1e+100: the shortest text that reads back the same. */
void pp_repr_f64(FILE *f, double d);

/* One value: a list for arrays, a quoted string, or None when empty. */
void pp_repr_value(FILE *f, const pp_value *v);

#endif
