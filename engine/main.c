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
#include "eng_options.h"
#include "supervise.h"
#include "workload.h"

/* The engine.conf beside the profile's security/ folder that file is in
 * (as `driver cluster start` names it), or of profile; "" when the
 * engine has none (a --file elsewhere, a bad profile named later). */
static void conf_path(const char *file, const char *profile,
                      char out[PP_PATH_MAX])
{
    pp_error err;
    out[0] = '\0';
    if (file) {
        char dir[PP_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", file);
        char *slash = strrchr(dir, '/');
        if (!slash)
            return;
        *slash = '\0';
        slash = strrchr(dir, '/');
        if (strcmp(slash ? slash + 1 : dir, "security") != 0)
            return;
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        int n = snprintf(out, PP_PATH_MAX, "%s/engine.conf", dir);
        if (n < 0 || n >= PP_PATH_MAX)
            out[0] = '\0';
        return;
    }
    if (pp_profile_dir(profile ? profile : "default", out, PP_PATH_MAX,
                       &err)
        || strlen(out) + sizeof "/engine.conf" > PP_PATH_MAX) {
        out[0] = '\0';
        return;
    }
    strcat(out, "/engine.conf");
}

/* data_file: in the engine's data directory (its folder when none was
 * set), checked against its .sha256 and kept open for pairs_local. */
static int open_data_file(const eng_opts *o, pp_error *err)
{
    const char *dir = getenv("PIPAR_DATA_DIR");
    char folder[PP_PATH_MAX];
    const char *base = strrchr(o->data_file, '/');
    if (!dir || !*dir) {
        if (base)
            snprintf(folder, sizeof folder, "%.*s",
                     (int)(base - o->data_file), o->data_file);
        else
            snprintf(folder, sizeof folder, ".");
        if (!folder[0])
            snprintf(folder, sizeof folder, "/");
        setenv("PIPAR_DATA_DIR", folder, 1);
        dir = folder;
    }
    int rc = pp_pairs_local_open(dir, o->data_file, err);
    if (rc)
        pp_error_prefix(err, "%s: ", o->data_file_where);
    return rc;
}

/* The engine, its options settled. */
static int run(eng_opts *o, const char *profile)
{
    pp_error err = { 0 };
    const char *file = o->file;
    modules_config mods = o->mods;
    /* Where pairs_local finds this engine's copy of the digits. */
    if (o->data_dir)
        setenv("PIPAR_DATA_DIR", o->data_dir, 1);
    pp_log_init("engine", (pp_log_level)o->level);
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
    if (!o->modules_dir_given) {
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
    if (o->data_file && open_data_file(o, &err)) {
        pp_err("%s", err.msg);
        return 1;
    }
    engine_config cfg = { .file = file, .timeout_s = o->timeout_s,
                          .task_delay_s = o->task_delay_s, .modules = mods,
                          .load = o->load, .load_where = o->load_where,
                          .ready_fd = -1 };
    int rc = engine_supervise(&cfg, !o->no_restart, &err);
    if (rc < 0) {
        pp_err("%s", err.msg);
        return 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *profile = NULL;
    eng_opts o;
    eng_opts_init(&o);
    pp_error err = { 0 };
    bool given[PP_CONF_IDS] = { false };
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
        case 'p': profile = optarg; break;
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
        case '?':
            pp_err("unknown or incomplete option '%s' (see --help)",
                   argv[optind - 1]);
            return 2;
        default: {
            char name[64];
            const char *o_name = "?";
            for (size_t i = 0; opts[i].name; i++)
                if (opts[i].val == c)
                    o_name = opts[i].name;
            snprintf(name, sizeof name, "--%s", o_name);
            if (eng_opts_apply(&o, c, name, optarg ? optarg : "true",
                               &err)) {
                pp_err("%s", err.msg);
                return 2;
            }
            given[c] = true;
        }
        }
    }
    if (optind < argc) {
        pp_err("unexpected argument '%s' (see --help)", argv[optind]);
        return 2;
    }
    if (o.file && profile) {
        pp_err("give --file or --profile, not both");
        return 2;
    }
    char cpath[PP_PATH_MAX];
    conf_path(o.file, profile, cpath);
    pp_conf conf = { 0 };
    bool exists = false;
    if (cpath[0]
        && (pp_conf_read(&eng_conf_table, cpath, &conf, &exists, &err)
            || pp_conf_apply(&eng_conf_table, &conf, &o, given, &err))) {
        pp_err("%s", err.msg);
        pp_conf_free(&conf);
        return 2;
    }
    int rc = run(&o, profile);
    pp_conf_free(&conf);
    return rc;
}
