/* main.c - the engine's command line. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "engine.h"
#include "files.h"
#include "log.h"
#include "pi.h"
#include "supervise.h"

int main(int argc, char **argv)
{
    const char *file = NULL, *profile = NULL;
    double timeout = 10, task_delay = 0;
    int level = PP_LOG_INFO;
    pp_error err = { 0 };
    modules_config mods = { .cc = "cc" };
    bool modules_dir_given = false;
    bool restart = true;
    static const struct option opts[] = {
        { "file", required_argument, NULL, 'f' },
        { "profile", required_argument, NULL, 'p' },
        { "timeout", required_argument, NULL, 't' },
        { "log-level", required_argument, NULL, 'l' },
        { "task-delay", required_argument, NULL, 'd' },
        { "data-dir", required_argument, NULL, 'D' },
        { "cc", required_argument, NULL, 'C' },
        { "cache-dir", required_argument, NULL, 'K' },
        { "modules-dir", required_argument, NULL, 'M' },
        { "no-load", no_argument, NULL, 'N' },
        { "allow-root-modules", no_argument, NULL, 'R' },
        { "no-restart", no_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    pp_log_init("engine", PP_LOG_INFO);
    /* Big GMP blocks go back to the system when freed: an engine that
     * merged 150 million digits of pi must not keep that memory. */
    pp_pi_tune_malloc();
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': file = optarg; break;
        case 'p': profile = optarg; break;
        case 't':
            if (pp_parse_seconds("--timeout", optarg, 0.001, 86400, &timeout,
                                 &err)) {
                pp_err("%s", err.msg);
                return 2;
            }
            break;
        case 'd':
            if (pp_parse_seconds("--task-delay", optarg, 0, 3600,
                                 &task_delay, &err)) {
                pp_err("%s", err.msg);
                return 2;
            }
            break;
        case 'D':
            /* Where pairs_local finds this engine's copy of the digits. */
            setenv("PIPAR_DATA_DIR", optarg, 1);
            break;
        case 'C': mods.cc = optarg; break;
        case 'K': mods.cache_dir = optarg; break;
        case 'M':
            mods.modules_dir = *optarg ? optarg : NULL;
            modules_dir_given = true;
            break;
        case 'N': mods.refuse = true; break;
        case 'R': mods.allow_root = true; break;
        case 'S': restart = false; break;
        case 'l':
            level = pp_log_level_parse(optarg);
            if (level < 0) {
                pp_err("--log-level: '%s' is not one of debug, info, warn, "
                       "error",
                       optarg);
                return 2;
            }
            break;
        case 'h':
            puts("usage: engine [--file ENGINE_JSON | --profile NAME]\n"
                 "              [--timeout SECONDS] [--log-level L]\n"
                 "              [--task-delay SECONDS]  (to play a slower "
                 "engine)\n"
                 "              [--data-dir DIR]  (its own digits of pi, "
                 "default ./data)\n"
                 "              [--cc COMPILER] [--cache-dir DIR] "
                 "[--modules-dir DIR]\n"
                 "              [--no-load] [--allow-root-modules] "
                 "[--no-restart]\n"
                 "Modules (driver load FILE.c) are compiled with COMPILER "
                 "(default cc) into\n"
                 "DIR (default $XDG_CACHE_HOME/pipar/modules); at start the "
                 "engine loads those\n"
                 "recorded in the profile's modules/ folder (beside "
                 "security/), or in\n"
                 "--modules-dir (\"\" for none).  --no-load refuses modules; "
                 "as root they are\n"
                 "refused unless --allow-root-modules.\n"
                 "Registers with the controller named in the connection "
                 "file and runs its tasks\n"
                 "in a worker process; a worker killed by a fault "
                 "(SIGSEGV, SIGABRT, ...) is\n"
                 "reported to the controller and restarted as a new engine "
                 "(at most 5 times\n"
                 "in 60 s), unless --no-restart.");
            return 0;
        default:
            pp_err("unknown or incomplete option '%s' (see --help)",
                   argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        pp_err("unexpected argument '%s' (see --help)", argv[optind]);
        return 2;
    }
    if (file && profile) {
        pp_err("give --file or --profile, not both");
        return 2;
    }
    pp_log_init("engine", (pp_log_level)level);
    char path[PP_PATH_MAX];
    if (!file) {
        if (pp_profile_path(profile ? profile : "default", "security",
                            "engine.json", path, sizeof path, &err)) {
            pp_err("--profile: %s", err.msg);
            return 2;
        }
        file = path;
    }
    /* The profile's modules/ folder, beside security/engine.json: where
     * `driver load` records what it loaded. */
    char mdir[PP_PATH_MAX];
    if (!modules_dir_given) {
        snprintf(mdir, sizeof mdir, "%s", file);
        char *slash = strrchr(mdir, '/');
        if (slash)
            *slash = '\0';
        slash = strrchr(mdir, '/');
        const char *parent_name = slash ? slash + 1 : mdir;
        if (strcmp(parent_name, "security") == 0) {
            if (slash)
                snprintf(slash, sizeof mdir - (size_t)(slash - mdir),
                         "/modules");
            else
                snprintf(mdir, sizeof mdir, "modules");
            mods.modules_dir = mdir;
        }
    }
    engine_config cfg = { .file = file, .timeout_s = timeout,
                          .task_delay_s = task_delay, .modules = mods,
                          .ready_fd = -1 };
    int rc = engine_supervise(&cfg, restart, &err);
    if (rc < 0) {
        pp_err("%s", err.msg);
        return 1;
    }
    return rc;
}
