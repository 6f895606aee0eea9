/* hub.h - the controller: registration, the direct queue, the balanced
 * scheduler, heartbeats and result routing, in one zmq_poll loop.
 *
 * hub_run is the controller program's whole life.  hub_open, hub_step and
 * hub_close are the same loop one turn at a time, and hub_handle_engine and
 * hub_handle_client what one turn does with a message: for tests (over
 * inproc:// sockets, in one thread) and the fuzzer. */
#ifndef PP_HUB_H
#define PP_HUB_H

#include <stdbool.h>
#include <stdint.h>

#include "pipar/error.h"
#include "wire.h"

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
    bool http;            /* serve the status page (http.c) */
    int http_port;        /* its port; 0: any free one (client.json
                             names it) */
    double http_timeout_s; /* a connection idle this long is closed;
                              0: 10 s */
    const char *http_ip;  /* its address; NULL: "127.0.0.1" */
    bool http_token_always; /* the token from loopback peers too */
    const char *results_dir; /* where pi-pairs-N.png/.csv are looked
                                for; NULL: "results" */
} hub_config;

typedef struct hub hub;

/* Where a hub listens and what it signs with.  With engines NULL (or no
 * hub_endpoints at all) it does what the controller program does: binds tcp
 * on cfg->ip, makes a key (or reads it back with cfg->reuse) and writes the
 * connection files of cfg->profile, removed again by hub_close.  With
 * engines set, it binds the three endpoints given (inproc:// in tests),
 * writes no files and takes no CurveZMQ. */
typedef struct hub_endpoints {
    void *ctx;           /* a ZeroMQ context to share (inproc:// needs
                            one); NULL: the hub's own.  Borrowed: it
                            must outlive the hub */
    const char *engines; /* ROUTER for engines, e.g. "inproc://engines" */
    const char *clients; /* ROUTER for clients */
    const char *events;  /* PUB of engine_registered / engine_gone */
    const uint8_t *key;  /* PP_KEY_SIZE bytes to sign with; NULL: a new
                            one (hub_key reads it back) */
} hub_endpoints;

/* Opens a hub: sockets bound, ready for hub_step.  cfg is copied; the
 * strings it points to must outlive the hub.  The caller owns *out and
 * ends it with hub_close.  Returns 0, or an error (bad scheme, bind
 * failed, files unwritable) with err set and *out NULL. */
int hub_open(const hub_config *cfg, const hub_endpoints *ep, hub **out,
             pp_error *err);

/* One turn of the loop: waits for messages at most timeout_ms (-1: until
 * the next heartbeat tick is due), handles what arrived, sends what waits
 * for clients that did not read, and checks the engines' hearts when a
 * tick is due.  Returns 0 (an interrupted wait too), or PP_EZMQ when
 * polling failed, which it logs. */
int hub_step(hub *h, int timeout_ms);

/* A message as it came off the engines' (clients') ROUTER, routing id
 * first: verified, then handled, or counted as dropped.  Consumes fr. */
void hub_handle_engine(hub *h, pp_frames *fr);
void hub_handle_client(hub *h, pp_frames *fr);

/* The PP_KEY_SIZE bytes the hub signs and verifies with; valid while the
 * hub is open. */
const uint8_t *hub_key(const hub *h);

/* Closes the sockets (and the hub's own context) and frees the tasks it
 * still held, telling their clients nothing (the controller is stopping);
 * removes the connection files it wrote unless cfg->reuse.  Sets *hp to
 * NULL; a NULL *hp is nothing to do. */
void hub_close(hub **hp);

/* Opens a hub as the controller does, steps it until SIGINT or SIGTERM,
 * and closes it.  Returns 0 after a clean exit, or an error (bind failed,
 * files unwritable) with err set. */
int hub_run(const hub_config *cfg, pp_error *err);

#endif
