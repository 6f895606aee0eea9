/* error.h - errors as values: a code and a message a user can read. */
#ifndef PP_ERROR_H
#define PP_ERROR_H

#include <stddef.h>

enum {
    PP_OK = 0,
    PP_EINVAL = -1,   /* a bad value from the user or a file */
    PP_ENOMEM = -2,   /* out of memory */
    PP_EIO = -3,      /* a file could not be read or written */
    PP_ETIMEDOUT = -4, /* a peer did not answer in time */
    PP_EPROTO = -5,   /* a malformed, unsigned or forged message */
    PP_ENOENT = -6,   /* no such engine, workload, variable or file */
    PP_EREMOTE = -7,  /* the task failed on its engine */
    PP_EZMQ = -8,     /* ZeroMQ refused a call */
    PP_EINTR = -9,    /* interrupted by a signal */
    PP_EOVERFLOW = -10, /* a result does not fit its type */
};

/* The message is one line, without a trailing newline. */
typedef struct pp_error {
    int code;
    char msg[512];
} pp_error;

const char *pp_strerror(int code);

/* Sets err (which may be NULL) and returns code, so callers can write
 * `return pp_error_set(err, PP_EINVAL, "--n: %s is not a number", s);`. */
int pp_error_set(pp_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in err with more context ("engine 2: "). */
void pp_error_prefix(pp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void pp_error_clear(pp_error *err);

#endif
