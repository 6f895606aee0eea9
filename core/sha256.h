/* sha256.h - SHA-256 of buffers and files, as 64 lowercase hex digits, for
 * the digits cache and for engines that check their own copy. */
#ifndef PP_SHA256_H
#define PP_SHA256_H

#include <stddef.h>

#include "pipar/error.h"

#define PP_SHA256_HEX 65 /* 64 hex digits and a NUL */

int pp_sha256_buf(const void *data, size_t size, char hex[PP_SHA256_HEX],
                  pp_error *err);

/* Hashes the first `size` bytes of the file, or all of it when size is
 * (size_t)-1. */
int pp_sha256_file(const char *path, size_t size, char hex[PP_SHA256_HEX],
                   pp_error *err);

#endif
