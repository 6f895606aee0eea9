/* error.c - error codes and their messages. */
#include "pipar/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *pp_strerror(int code)
{
    switch (code) {
    case PP_OK: return "success";
    case PP_EINVAL: return "invalid value";
    case PP_ENOMEM: return "out of memory";
    case PP_EIO: return "input/output error";
    case PP_ETIMEDOUT: return "timed out";
    case PP_EPROTO: return "protocol error";
    case PP_ENOENT: return "not found";
    case PP_EREMOTE: return "remote task failed";
    case PP_EZMQ: return "ZeroMQ error";
    case PP_EINTR: return "interrupted";
    case PP_EOVERFLOW: return "overflow";
    case PP_EABORTED: return "aborted";
    default: return "unknown error";
    }
}

int pp_error_set(pp_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void pp_error_prefix(pp_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t pl = strlen(prefix), ol = strlen(err->msg);
    if (pl + ol >= sizeof err->msg)
        ol = sizeof err->msg - 1 - pl; /* pl < 256 < sizeof msg */
    memmove(err->msg + pl, err->msg, ol);
    memcpy(err->msg, prefix, pl);
    err->msg[pl + ol] = '\0';
}

void pp_error_clear(pp_error *err)
{
    if (err) {
        err->code = PP_OK;
        err->msg[0] = '\0';
    }
}
