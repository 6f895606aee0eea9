/* digits.h - the cache of decimal digits of pi: DIR/pi-<N>.txt (the N
 * digits "31415...", no point) with DIR/pi-<N>.txt.sha256 beside it, both
 * written to a temporary name and renamed.  A file is used only after its
 * hash is checked; a run needing N digits may use the prefix of a larger
 * file.  Digits are mapped, not read: chunks of them travel to engines as
 * zero-copy frames that keep the mapping alive until sent. */
#ifndef PP_DIGITS_H
#define PP_DIGITS_H

#include <stdint.h>

#include "files.h"
#include "pipar/error.h"
#include "pipar/value.h"
#include "sha256.h"

typedef struct pp_digits pp_digits;

/* Finds the smallest cached file with at least n digits whose hash checks
 * out and maps its first n digits.  Files whose hash does not match are
 * skipped, each with a line on stderr.  PP_ENOENT when no file will do.
 * Caller owns *d (pp_digits_close). */
int pp_digits_open(const char *dir, uint64_t n, pp_digits **d,
                   pp_error *err);

/* Writes digits (n bytes) as dir/pi-<n>.txt and its .sha256, atomically;
 * creates dir. */
int pp_digits_store(const char *dir, const char *digits, uint64_t n,
                    pp_error *err);

const char *pp_digits_data(const pp_digits *d);
uint64_t pp_digits_count(const pp_digits *d);
/* The file the digits come from, and the hash of the whole file (what an
 * engine with its own copy checks against). */
const char *pp_digits_path(const pp_digits *d);
const char *pp_digits_file_sha256(const pp_digits *d);
uint64_t pp_digits_file_size(const pp_digits *d);

/* Digits [offset, offset+len) as a value that shares the mapping: no
 * copy, and the mapping lives until the value (and any frame made of it)
 * is released. */
int pp_digits_slice(pp_digits *d, uint64_t offset, uint64_t len,
                    pp_value *out, pp_error *err);

/* Drops the caller's hold; the mapping goes when the last slice does. */
void pp_digits_close(pp_digits **d_p);

#endif
