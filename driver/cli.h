/* cli.h - what the driver's commands share: options, the connection (to a
 * running controller or an embedded local cluster) and exit codes. */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "launch.h"
#include "pipar/client.h"
#include "pipar/module.h"
#include "pipar/view.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_INTERRUPTED = 130 };

typedef struct cli_opts {
    const char *profile;  /* --profile, default "default" */
    const char *file;     /* --file client.json: no embedded cluster */
    double timeout_s;     /* --timeout: how long the controller may take */
    bool no_embed;        /* --no-embed: never an embedded cluster */
    bool embed;           /* --embed: an embedded cluster, whatever the
                             profile has */
    int engines;          /* -n for an embedded cluster; 0 = one a core */
} cli_opts;

typedef struct cli_session {
    pp_client *client;
    pp_cluster cluster; /* the embedded cluster, when one was started */
    bool embedded;
    double timeout_s; /* --timeout: how long an abort's answer may take */
} cli_session;

extern volatile sig_atomic_t cli_interrupted;

/* Connects to --file's controller, or the profile's when its client.json
 * exists (one that does not answer is an error naming the file and the
 * address, never a silent local run); starts an embedded local cluster
 * (saying so on stderr in one line) only when the profile has no
 * client.json and --no-embed was not given, or with --embed. */
int cli_open(const cli_opts *o, cli_session *s, pp_error *err);

/* Disconnects and stops what cli_open started.  Safe to call twice.
 * After Ctrl-C (cli_interrupted) it first aborts the client's tasks the
 * controller still holds, saying how many in one line on stderr: "aborted
 * N tasks not yet started (M already at engines: ...)". */
void cli_close(cli_session *s);

/* --view balanced|direct into *balanced; PP_EINVAL with a one-line
 * message for anything else. */
int cli_parse_view(const char *arg, bool *balanced, pp_error *err);

/* The article's first commands (cmd_basic.c): ids, hello, powers,
 * apply WORKLOAD [ARG...], gather NAME, workloads. */
int cli_ids(const cli_opts *o);
int cli_hello(const cli_opts *o);
int cli_powers(const cli_opts *o, int argc, char **argv);
int cli_apply(const cli_opts *o, int argc, char **argv);
int cli_gather(const cli_opts *o, int argc, char **argv);
int cli_workloads(const cli_opts *o);
/* CLI_USAGE, with a line naming the argument, when a command that takes
 * none was given one. */
int cli_no_more_args(const char *cmd, int argc, char **argv);

/* driver cluster start|stop|status */
int cli_cluster(const cli_opts *o, int argc, char **argv);
/* The client.json a command uses: --file, or the profile's (written into
 * path).  NULL with err set when the profile's path cannot be made. */
const char *cli_client_json(const cli_opts *o, char path[PP_PATH_MAX],
                            pp_error *err);
/* `cluster watch [--count N] [--for S]`: engines registering and going, a
 * line each, until N events, S seconds or Ctrl-C (watch.c). */
int cli_cluster_watch(const cli_opts *o, int argc, char **argv);
/* `cluster shutdown [--engines 0,2] [--controller]`: engines (every one by
 * default) and the controller stopped through the controller, wherever
 * they run (shutdown.c). */
int cli_cluster_shutdown(const cli_opts *o, int argc, char **argv);

/* driver load FILE.c / unload NAME / map NAME --range A:B
 * (cmd_modules.c) */
int cli_load(const cli_opts *o, int argc, char **argv);
int cli_unload(const cli_opts *o, int argc, char **argv);
int cli_map(const cli_opts *o, int argc, char **argv);

/* The parts of load and unload that `driver check` shares
 * (cmd_modules.c). */
#define CLI_MODULE_NAME_MAX PP_MODULE_NAME_MAX
/* The module's name: FILE's base name without ".c" (checked). */
int cli_module_name(const char *file, char name[CLI_MODULE_NAME_MAX + 1],
                    pp_error *err);
/* FILE's text (at most 1 MiB); caller frees *src. */
int cli_module_read(const char *file, char **src, size_t *len,
                    pp_error *err);
typedef struct cli_loaded {
    char report[4096]; /* a line per engine: compiled, cache hit */
    char names[1024];  /* its workloads, separated by spaces */
    bool unchanged;    /* every engine had this very source loaded */
    bool replaced;     /* it replaced an older module of its name */
    bool compile_failed;
    int64_t took[1024]; /* the engines that have it now */
    size_t ntook;
} cli_loaded;
/* Loads src as module `name` on every engine of v, all or none; FILE is
 * how the compiler's messages name it.  Compile errors go to stderr as
 * the compiler wrote them; err says "load: nothing was loaded: ...". */
int cli_module_load(pp_view *v, const char *name, const char *file,
                    const char *src, size_t len, cli_loaded *r,
                    pp_error *err);
/* Removes module `name` from every engine of v (lacking it is no error)
 * and from the profile's record. */
int cli_module_unload(const cli_opts *o, pp_view *v, const char *name,
                      pp_error *err);

/* driver check EXERCISE_DIR [FILE.c] (cmd_check.c) */
int cli_check(const cli_opts *o, int argc, char **argv);

/* driver profile create NAME | list (cmd_profile.c) */
int cli_profile(const cli_opts *o, int argc, char **argv);

/* driver pi / driver pi-pairs */
int cli_pi(const cli_opts *o, int argc, char **argv);
int cli_pi_pairs(const cli_opts *o, int argc, char **argv);

struct pp_digits;
/* Refuses, with the estimate, a computation of `digits` digits that does
 * not fit in this machine's available memory (all of it in this process
 * when local, else the driver's part). */
int cli_check_memory(uint64_t digits, bool local, pp_error *err);

/* Opens the cached digits, computing and storing them first when the
 * cache lacks them (on s's cluster, or here when local). */
int cli_ensure_digits(const cli_opts *o, cli_session *s, uint64_t n,
                      const char *dir, unsigned leaves, bool local,
                      struct pp_digits **d, pp_error *err);

#endif
