/* hub.h - the controller: registration, the direct queue, the balanced
 * scheduler, heartbeats and result routing, in one zmq_poll loop. */
#ifndef PP_HUB_H
#define PP_HUB_H

#include <stdbool.h>

#include "pipar/error.h"

typedef struct hub_config {
    const char *ip;       /* address to bind: "127.0.0.1", "*", ... */
    const char *location; /* address written for others; NULL: derived */
    const char *profile;
    bool reuse;           /* keep files, ports and key across restarts */
    const char *scheme;   /* balanced policy name (sched.h) */
    int hwm;              /* balanced tasks outstanding per engine; 0: no
                             limit */
    double heartbeat_s;   /* how often engines beat */
    int heartbeat_misses; /* beats missed before an engine is dead */
    double clock_window_s; /* replay.h: how far a stamp's time may be off */
    int64_t max_message;  /* bytes of the largest frame accepted */
    int64_t backlog;      /* tasks one client may have in the controller;
                             0: no limit */
    bool curve;           /* encrypt and authenticate with CurveZMQ */
} hub_config;

/* Runs until SIGINT or SIGTERM.  Returns 0 after a clean exit, or an error
 * (bind failed, files unwritable) with err set. */
int hub_run(const hub_config *cfg, pp_error *err);

#endif
