/* error.h - errors as values: a code and a message a user can read.
 *
 * Every call that can fail returns 0 or a negative PP_E code and writes
 * the code and a one-line message into its pp_error *err (which must not
 * be NULL, except for pp_error_set).  A pp_error is the caller's (on the
 * stack); nothing in it needs freeing, and pp_strerror's strings are static.
 */
#ifndef PP_ERROR_H
#define PP_ERROR_H

#include <stddef.h>

#include <pipar/export.h>

enum {
    PP_OK = 0,
    PP_EINVAL = -1, /* a bad value from the user or a file */
    PP_ENOMEM = -2, /* out of memory */
    PP_EIO = -3, /* a file could not be read or written */
    PP_ETIMEDOUT = -4, /* a peer did not answer in time */
    PP_EPROTO = -5, /* a malformed, unsigned or forged message */
    PP_ENOENT = -6, /* no such engine, workload, variable or file */
    PP_EREMOTE = -7, /* the task failed on its engine */
    PP_EZMQ = -8, /* ZeroMQ refused a call */
    PP_EINTR = -9, /* interrupted by a signal */
    PP_EOVERFLOW = -10, /* a result does not fit its type */
    PP_EABORTED = -11, /* the task was aborted before it ran */
};

/* The message is one line, without a trailing newline. */
typedef struct pp_error {
    int code;
    char msg[512];
} pp_error;

PP_EXPORT const char *pp_strerror(int code);

/* Sets err (which may be NULL) and returns code, so callers can write
 * `return pp_error_set(err, PP_EINVAL, "--n: %s is not a number", s);`. */
PP_EXPORT int pp_error_set(pp_error *err, int code, const char *fmt, ...)
    PP_PRINTF(3, 4);

/* Prefixes the message already in err with more context ("engine 2: "). */
PP_EXPORT void pp_error_prefix(pp_error *err, const char *fmt, ...)
    PP_PRINTF(2, 3);

PP_EXPORT void pp_error_clear(pp_error *err);

#endif
