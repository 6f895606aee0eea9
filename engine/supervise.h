/* supervise.h - the engine as a small parent that runs its worker and
 * restarts it when a workload kills it (ipyparallel's nanny).
 *
 * The worker is a fork of this process that runs engine_run; it tells the
 * supervisor its engine id (a pipe) and the task it is running (a shared
 * page).  When the worker is killed by a fault's signal (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT, ...), the supervisor starts a
 * new one (unless restart is false, or it was killed too often: more than
 * SUPERVISE_MAX_RESTARTS times within SUPERVISE_WINDOW_S seconds), and
 * sends the controller a signed DIED message naming the dead engine, the
 * signal, the task and workload it held, and the new engine's id, so the
 * task fails (or is retried) with a message saying so. */
#ifndef PP_SUPERVISE_H
#define PP_SUPERVISE_H

#include <stdbool.h>

#include "engine.h"

#define SUPERVISE_MAX_RESTARTS 5
#define SUPERVISE_WINDOW_S 60
/* A task with a time limit (header limit_ms) may run this much past it
 * before the supervisor kills the worker (SIGKILL) and restarts it, as
 * after a crash; the DIED report says the limit, not the signal. */
#define SUPERVISE_GRACE_MS 1000

/* Runs the worker until it exits, and returns its exit status (0 after
 * SIGTERM/SIGINT or the controller's STOP; it logged its own error), or a
 * negative PP_E... code with err set: the worker was killed by a signal
 * and is not restarted, or the supervisor could not run.  SIGTERM/SIGINT
 * to the supervisor stop the worker (it unregisters) before it returns. */
int engine_supervise(const engine_config *cfg, bool restart, pp_error *err);

/* "SIGSEGV" for SIGSEGV; "signal 40" for one without a name. */
const char *supervise_signal_name(int sig, char *buf, size_t size);

#endif
