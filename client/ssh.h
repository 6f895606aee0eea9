/* ssh.h - the SSH launcher: engines on other machines, started and stopped
 * with the system's ssh client (ipcluster's SSH engine launcher).
 *
 * The hosts file has one host a line:
 *     host [engines] [user@] [port] [dir=PATH] [engine=PATH]
 * "pi1 4", "pi2 4 pi@ 2222", "10.0.0.7 2 engine=/opt/pipar/bin/engine";
 * '#' starts a comment, blank lines are skipped.  engines: 1 to
 * PP_SSH_MAX_ENGINES (default 1); dir: the host's PIPAR_DIR (default
 * ~/.pipar there); engine: the engine program there (default --engine-path,
 * else `engine` on the remote PATH).
 *
 * ssh always runs with -o BatchMode=yes: it never asks for a password, so
 * only the user's keys (and agent) and ssh config are used.  The only
 * processes ever signalled on a host are the PIDs recorded when they were
 * started, and only while their command line still names this profile's
 * engine.json there. */
#ifndef PP_SSH_H
#define PP_SSH_H

#include <jansson.h>
#include <stdbool.h>

#include "pipar/error.h"

#define PP_SSH_MAX_HOSTS 64
#define PP_SSH_MAX_ENGINES 64 /* per host */
#define PP_SSH_MAX_WORDS 32   /* --ssh-option words, all together */

typedef struct pp_ssh_host {
    char name[256];      /* as ssh takes it: a name, an address, a Host
                            of ~/.ssh/config */
    char user[64];       /* "" : ssh's choice */
    int port;            /* 0 : ssh's choice */
    int nengines;        /* how many to start */
    char dir[1024];      /* its PIPAR_DIR; "" : ~/.pipar */
    char engine[1024];   /* its engine program; "" : the launcher's */
    int line;            /* in the hosts file; 0 when read from state */
    long pids[PP_SSH_MAX_ENGINES]; /* the engines started there */
    int npids;
    int running;         /* pp_ssh_stop / pp_ssh_status: how many ran */
    char error[512];     /* why it failed, "" when it did not */
} pp_ssh_host;

typedef struct pp_ssh {
    pp_ssh_host *hosts; /* owned */
    int nhosts;
    char *words[PP_SSH_MAX_WORDS]; /* extra ssh arguments, owned */
    int nwords;
    char engine[1024]; /* --engine-path: "" : `engine` on the PATH */
} pp_ssh;

/* Parses a hosts file's text; errors read "FILE:LINE: what is wrong".
 * Adds to s (which starts zeroed). */
int pp_ssh_parse_hosts(pp_ssh *s, const char *path, const char *text,
                       pp_error *err);

/* Reads and parses the file at path (at most 1 MiB). */
int pp_ssh_read_hosts(pp_ssh *s, const char *path, pp_error *err);

/* --ssh-option WORDS: split at white space into ssh arguments ("-i KEY",
 * "-o StrictHostKeyChecking=no", "-F CONFIG"). */
int pp_ssh_add_option(pp_ssh *s, const char *words, pp_error *err);

/* Copies engine_json (mode 0600) into each host's
 * DIR/profile_PROFILE/security/ and starts its engines there detached
 * (setsid, nohup, logs in DIR/profile_PROFILE/log/), all hosts at once, each
 * within timeout_s.  Returns how many hosts started; each one that did not
 * has its error set.  eng_args: options for every engine. */
int pp_ssh_start(pp_ssh *s, const char *profile, const char *engine_json,
                 char *const *eng_args, int neng_args, double timeout_s);

/* SIGTERM to the recorded PIDs, SIGKILL to those left after grace_s.
 * Sets each host's running (how many still ran) and error.  Returns the
 * number of processes that were running. */
int pp_ssh_stop(pp_ssh *s, const char *profile, double grace_s);

/* Sets each host's running and error (an unreachable host). */
void pp_ssh_status(pp_ssh *s, const char *profile, double timeout_s);

/* The total number of engines started (recorded PIDs). */
int pp_ssh_started(const pp_ssh *s);

/* The state file's "ssh" object: the hosts with PIDs, and the options to
 * reach them again.  Caller owns the result. */
json_t *pp_ssh_to_json(const pp_ssh *s);
int pp_ssh_from_json(pp_ssh *s, json_t *j, pp_error *err);

/* Frees what s owns and zeroes it.  Safe on a zeroed s. */
void pp_ssh_free(pp_ssh *s);

/* Refuses an address remote engines cannot use: empty, '*', 0.0.0.0, or
 * anything that is or resolves to a loopback address (127.0.0.0/8, ::1;
 * Debian's "127.0.1.1 hostname" in /etc/hosts among them).  option names
 * the option it came from, for the message. */
int pp_ssh_check_address(const char *option, const char *addr,
                         pp_error *err);

#endif
