/* ctx_term.h - ends a ZeroMQ context without waiting for ever.
 *
 * zmq_ctx_term can hang when a socket does not finish closing: libzmq
 * issue 2733 (open), a CURVE server socket with a ZAP handler on a slow or
 * overloaded machine, which a Pi in a classroom is.  A controller asked to
 * stop must stop, so the wait is bounded; what the context still held is
 * then left to the process's exit. */
#ifndef PP_CTX_TERM_H
#define PP_CTX_TERM_H

#include <stdbool.h>

/* Terminates ctx (sockets closed first, each with its linger) and waits at
 * most timeout_ms for it; false when it did not return in time.  The
 * context is then abandoned to a thread still blocked in zmq_ctx_term: the
 * caller must not use it again, and should be on its way out. */
bool pp_ctx_term_within(void *ctx, int timeout_ms);

#endif
