/* hang_ctx_term.c - preloaded (LD_PRELOAD) by integration.curve: a
 * zmq_ctx_term that never returns, as libzmq's does when a socket never
 * finishes closing (libzmq issue 2733: a CURVE server with a ZAP handler
 * on an overloaded machine).  The controller must still exit. */
#include <unistd.h>

int zmq_ctx_term(void *ctx);

int zmq_ctx_term(void *ctx)
{
    (void)ctx;
    for (;;)
        pause();
}
