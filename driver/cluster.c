/* cluster.c - the embedded default and `driver cluster start|stop|status`. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "connfile.h"
#include "cli.h"
#include "log.h"
#include "policy.h"

volatile sig_atomic_t cli_interrupted;

/* -n with --launcher mpi or slurm: the engines of one job. */
#define CLI_MAX_JOB_ENGINES 1024

const char *cli_client_json(const cli_opts *o, char path[PP_PATH_MAX],
                            pp_error *err)
{
    if (o->file)
        return o->file;
    if (pp_profile_path(o->profile, "security", "client.json", path,
                        PP_PATH_MAX, err))
        return NULL;
    return path;
}

static int default_engines(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* True when the controller's address is this machine's loopback: then its
 * pid in client.json is a pid of this machine, and can be looked up. */
static bool on_loopback(const pp_conninfo *ci)
{
    return strncmp(ci->location, "127.", 4) == 0
           || strcmp(ci->location, "localhost") == 0
           || strcmp(ci->location, "::1") == 0;
}

static const char START_HINT[] =
    "start it with 'driver cluster start', or run on a local cluster with "
    "--embed";

/* The profile's client.json exists: someone set up a cluster, and its
 * controller is the one to use.  One that is gone is an error (naming
 * the file, the address and what to do), never a quiet local run: a Pi
 * cluster that is down must not be hidden by a run on the laptop. */
static int open_profile(const cli_opts *o, const char *path, cli_session *s,
                        pp_error *err)
{
    pp_conninfo ci;
    if (pp_conninfo_read(path, &ci, err))
        return err->code;
    char endpoint[300];
    pp_conninfo_endpoint(&ci, ci.client_port, endpoint, sizeof endpoint);
    /* A controller of this machine that has exited (kill -9, a reboot)
     * leaves its file behind: say so at once, without waiting. */
    if (on_loopback(&ci) && ci.controller_pid > 0
        && !pp_pid_alive(ci.controller_pid))
        return pp_error_set(err, PP_ETIMEDOUT,
                            "the controller of profile '%s' (pid %ld at %s, "
                            "from %s) is not running; %s",
                            o->profile, ci.controller_pid, endpoint, path,
                            START_HINT);
    s->client = pp_client_connect(path, o->timeout_s, err);
    if (!s->client) {
        if (err->code == PP_ETIMEDOUT) {
            /* "no controller answered at ADDRESS within S s (from PATH)",
             * and what to do. */
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            pp_error_set(err, PP_ETIMEDOUT, "%s; %s", msg, START_HINT);
        }
        return err->code;
    }
    pp_client_set_interrupt(s->client, &cli_interrupted);
    return 0;
}

int cli_open(const cli_opts *o, cli_session *s, pp_error *err)
{
    memset(s, 0, sizeof *s);
    s->timeout_s = o->timeout_s;
    char path[PP_PATH_MAX];
    if (o->file) {
        s->client = pp_client_connect(o->file, o->timeout_s, err);
        if (!s->client)
            return err->code;
        pp_client_set_interrupt(s->client, &cli_interrupted);
        return 0;
    }
    char why[PP_PATH_MAX + 200];
    if (o->embed) {
        snprintf(why, sizeof why, "--embed");
    } else {
        int rc = pp_profile_path(o->profile, "security", "client.json", path,
                                 sizeof path, err);
        if (rc)
            return rc;
        if (access(path, F_OK) == 0)
            return open_profile(o, path, s, err);
        if (o->no_embed)
            return pp_error_set(err, PP_ENOENT,
                                "no controller is running for profile '%s' "
                                "(no %s) and --no-embed was given",
                                o->profile, path);
        snprintf(why, sizeof why,
                 "no controller is running for profile '%s'", o->profile);
    }
    int n = o->engines > 0 ? o->engines : default_engines();
    fprintf(stderr,
            "driver: %s; starting a local cluster of %d engine%s for this "
            "run\n",
            why, n, n == 1 ? "" : "s");
    int rc = pp_cluster_start(&s->cluster, NULL, "default", n, false, 30,
                              err);
    if (rc)
        return rc;
    s->embedded = true;
    char client_json[PP_PATH_MAX + 64];
    snprintf(client_json, sizeof client_json,
             "%s/profile_default/security/client.json",
             s->cluster.pipar_dir);
    s->client = pp_client_connect(client_json, 10, err);
    if (!s->client) {
        cli_close(s);
        return err->code;
    }
    pp_client_set_interrupt(s->client, &cli_interrupted);
    return 0;
}

int cli_parse_view(const char *arg, bool *balanced, pp_error *err)
{
    if (strcmp(arg, "balanced") && strcmp(arg, "direct"))
        return pp_error_set(err, PP_EINVAL,
                            "--view: '%s' is not balanced or direct", arg);
    *balanced = strcmp(arg, "balanced") == 0;
    return 0;
}

/* After Ctrl-C: the tasks this run left in the controller are aborted,
 * so a cluster shared by a class is not kept busy for a client that is
 * gone (its results would be dropped).  Those running at an engine
 * finish; those waiting there (--hwm above 1) are skipped.  An
 * embedded cluster is stopped anyway, its tasks with it. */
static void abort_left(cli_session *s)
{
    pp_abort_counts k;
    pp_error err;
    pp_client_set_patience(s->client, s->timeout_s > 0 ? s->timeout_s : 2);
    if (pp_client_abort_all(s->client, &k, &err))
        fprintf(stderr, "driver: could not abort the tasks left in the "
                        "controller: %s\n", err.msg);
    else if (k.aborted || k.running)
        fprintf(stderr, "driver: aborted %zu task%s not yet started (%zu "
                        "already at engines: those running there finish, "
                        "the others are skipped)\n",
                k.aborted, k.aborted == 1 ? "" : "s", k.running);
}

void cli_close(cli_session *s)
{
    if (cli_interrupted && s->client && !s->embedded)
        abort_left(s);
    pp_client_destroy(&s->client);
    if (s->embedded) {
        pp_cluster_stop(&s->cluster, 3);
        s->embedded = false;
    }
}

/* The controller would refuse these too, but in its log; say it here. */
static int check_controller_option(const char *name, const char *value,
                                   pp_error *err)
{
    char option[48];
    int64_t n;
    double s;
    snprintf(option, sizeof option, "--%s", name);
    if (strcmp(name, "scheme") == 0)
        return sched_policy_find(value)
                   ? 0
                   : pp_error_set(err, PP_EINVAL, "--scheme: '%s' is not one "
                                                  "of %s",
                                  value, sched_policy_names());
    if (strcmp(name, "hwm") == 0)
        return pp_parse_i64(option, value, 0, 1000000, &n, err);
    if (strcmp(name, "heartbeat-misses") == 0)
        return pp_parse_i64(option, value, 1, 1000, &n, err);
    if (strcmp(name, "backlog") == 0)
        return pp_parse_i64(option, value, 0, INT64_MAX / 2, &n, err);
    if (strcmp(name, "max-message-size") == 0)
        return pp_parse_bytes(option, value, 1024, (int64_t)1 << 40, &n, err);
    if (strcmp(name, "clock-window") == 0)
        return pp_parse_seconds(option, value, 0, 86400, &s, err);
    if (strcmp(name, "http") == 0)
        return pp_parse_i64(option, value, 0, 65535, &n, err);
    return pp_parse_seconds(option, value, 0.01, 600, &s, err);
}

/* The batch script as it would be submitted; nothing is started or
 * written. */
static int slurm_dry_run(const cli_opts *o, const pp_slurm *s,
                         char *const *eng_args, int neng)
{
    pp_error err = { 0 };
    char profdir[PP_PATH_MAX], bin[PP_PATH_MAX], engine[PP_PATH_MAX + 8];
    char *text = malloc(65536);
    int rc = text ? 0 : pp_error_set(&err, PP_ENOMEM, "out of memory");
    if (!rc)
        rc = pp_profile_dir(o->profile, profdir, sizeof profdir, &err);
    if (!rc)
        rc = pp_exe_dir(bin, sizeof bin, &err);
    if (!rc) {
        char base[PP_PATH_MAX];
        snprintf(base, sizeof base, "%s", profdir);
        *strrchr(base, '/') = '\0';
        snprintf(engine, sizeof engine, "%s/engine", bin);
        rc = pp_slurm_script(s, o->profile, base, profdir, engine, eng_args,
                             neng, text, 65536, &err);
    }
    if (!rc)
        fputs(text, stdout);
    else
        fprintf(stderr, "driver: %s\n", err.msg);
    free(text);
    return rc ? CLI_FAIL : CLI_OK;
}

static void print_mpi_status(const pp_mpi *m)
{
    pp_mpi_state st = pp_mpi_status(m);
    printf("mpiexec pid %ld %s: %d of %d engine processes in its session",
           m->pid, st.mpiexec ? "running" : "not running", st.engines, m->n);
    if (st.others)
        printf(", and %d other process%s", st.others,
               st.others == 1 ? "" : "es");
    printf("\n");
    if (!st.mpiexec)
        printf("mpiexec has ended; its output is in %s\n", m->log);
}

static void print_slurm_status(const pp_slurm *s)
{
    char state[64];
    pp_error err = { 0 };
    if (pp_slurm_state(s, state, sizeof state, &err))
        printf("Slurm job %s (%d engines): %s\n", s->job, s->n, err.msg);
    else
        printf("Slurm job %s (%d engines): %s\n", s->job, s->n, state);
}

static int cluster_start(const cli_opts *o, int argc, char **argv)
{
    int64_t n = default_engines();
    double timeout = 30;
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "n", required_argument, NULL, 'n' },
        { "timeout", required_argument, NULL, 't' },
        { "scheme", required_argument, NULL, 'C' },
        { "hwm", required_argument, NULL, 'C' },
        { "heartbeat-period", required_argument, NULL, 'C' },
        { "heartbeat-misses", required_argument, NULL, 'C' },
        { "backlog", required_argument, NULL, 'C' },
        { "max-message-size", required_argument, NULL, 'C' },
        { "clock-window", required_argument, NULL, 'C' },
        { "http", required_argument, NULL, 'C' },
        { "curve", no_argument, NULL, 'K' },
        { "insecure", no_argument, NULL, 'I' },
        { "no-load", no_argument, NULL, 'E' },
        { "allow-root-modules", no_argument, NULL, 'E' },
        { "no-restart", no_argument, NULL, 'E' },
        { "hosts", required_argument, NULL, 'H' },
        { "ip", required_argument, NULL, 'i' },
        { "location", required_argument, NULL, 'L' },
        { "ssh-option", required_argument, NULL, 'S' },
        { "engine-path", required_argument, NULL, 'P' },
        { "launcher", required_argument, NULL, 'l' },
        { "mpi-args", required_argument, NULL, 'M' },
        { "partition", required_argument, NULL, 'p' },
        { "time", required_argument, NULL, 'T' },
        { "dry-run", no_argument, NULL, 'D' },
        { 0, 0, 0, 0 },
    };
    const char *hosts = NULL, *ip = NULL, *location = NULL;
    const char *n_arg = NULL;
    pp_ssh ssh = { .nhosts = 0 };
    pp_mpi mpi = { .n = 0 };
    pp_slurm slurm = { .n = 0 };
    const char *launcher = "local";
    bool dry_run = false;
    /* The controller's own options pass through; it checks them.  So do
     * the engines' (flags, each given once). */
    char *ctl_args[16];
    int nctl = 0;
    char *eng_args[8];
    static char eng_names[8][32];
    int neng = 0;
    optind = 0;
    opterr = 0;
    int c, index = 0;
    while ((c = getopt_long(argc, argv, "n:", opts, &index)) != -1) {
        int rc = 0;
        if (c == 'C')
            rc = check_controller_option(opts[index].name, optarg, &err);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
        if (c == 'K' && nctl + 1 <= 16) {
            static char curve[] = "--curve";
            ctl_args[nctl++] = curve;
        } else if (c == 'I' && nctl + 1 <= 16) {
            static char insecure[] = "--insecure";
            ctl_args[nctl++] = insecure;
        } else if (c == 'C' && nctl + 2 <= 16) {
            static char names[8][32];
            snprintf(names[index - 2], sizeof names[0], "--%s",
                     opts[index].name);
            ctl_args[nctl++] = names[index - 2];
            ctl_args[nctl++] = optarg;
        } else if (c == 'E') {
            bool seen = false;
            for (int i = 0; i < neng; i++)
                seen = seen || strcmp(eng_args[i] + 2, opts[index].name) == 0;
            if (!seen && neng < 8) {
                snprintf(eng_names[neng], sizeof eng_names[0], "--%s",
                         opts[index].name);
                eng_args[neng] = eng_names[neng];
                neng++;
            }
        } else if ((c == 'i' || c == 'L') && nctl + 2 <= 16) {
            static char ip_opt[] = "--ip", loc_opt[] = "--location";
            ctl_args[nctl++] = c == 'i' ? ip_opt : loc_opt;
            ctl_args[nctl++] = optarg;
            *(c == 'i' ? &ip : &location) = optarg;
        } else if (c == 'H') {
            hosts = optarg;
        } else if (c == 'S') {
            rc = pp_ssh_add_option(&ssh, optarg, &err);
        } else if (c == 'P') {
            if (!*optarg || strlen(optarg) >= sizeof ssh.engine)
                rc = pp_error_set(&err, PP_EINVAL,
                                  "--engine-path: give the engine "
                                  "program's path on the hosts");
            else
                snprintf(ssh.engine, sizeof ssh.engine, "%s", optarg);
        } else if (c == 'n') {
            n_arg = optarg; /* its range depends on --hosts */
        } else if (c == 'l') {
            if (strcmp(optarg, "local") && strcmp(optarg, "mpi")
                && strcmp(optarg, "slurm"))
                rc = pp_error_set(&err, PP_EINVAL,
                                  "--launcher: '%s' is not local, mpi or "
                                  "slurm",
                                  optarg);
            launcher = optarg;
        } else if (c == 'M') {
            rc = pp_mpi_add_args(&mpi, optarg, &err);
        } else if (c == 'p') {
            rc = pp_slurm_check_partition(optarg, &err);
            if (!rc)
                snprintf(slurm.partition, sizeof slurm.partition, "%s",
                         optarg);
        } else if (c == 'T') {
            rc = pp_slurm_check_time(optarg, &err);
            if (!rc)
                snprintf(slurm.time, sizeof slurm.time, "%s", optarg);
        } else if (c == 'D') {
            dry_run = true;
        }
        else if (c == 't')
            rc = pp_parse_seconds("--timeout", optarg, 0.1, 3600, &timeout,
                                  &err);
        else
            rc = pp_error_set(&err, PP_EINVAL,
                              "cluster start: unknown or incomplete option "
                              "'%s'",
                              argv[optind - 1]);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            pp_ssh_free(&ssh);
            pp_mpi_free(&mpi);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "driver: cluster start: unexpected argument '%s'\n",
                argv[optind]);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_USAGE;
    }
    bool use_mpi = strcmp(launcher, "mpi") == 0;
    bool use_slurm = strcmp(launcher, "slurm") == 0;
    int rc = 0;
    if (hosts && (use_mpi || use_slurm))
        rc = pp_error_set(&err, PP_EINVAL,
                          "--hosts is the SSH launcher; give it or "
                          "--launcher %s, not both",
                          launcher);
    else if (!use_mpi && mpi.nwords)
        rc = pp_error_set(&err, PP_EINVAL,
                          "--mpi-args goes with --launcher mpi");
    else if (!use_slurm && (slurm.partition[0] || slurm.time[0] || dry_run))
        rc = pp_error_set(&err, PP_EINVAL,
                          "--partition, --time and --dry-run go with "
                          "--launcher slurm");
    else if ((use_mpi || use_slurm) && n_arg)
        rc = pp_parse_i64("-n", n_arg, 1, CLI_MAX_JOB_ENGINES, &n, &err);
    if (rc) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_USAGE;
    }
    if (use_mpi || use_slurm) {
        mpi.n = slurm.n = (int)n;
        n = 0; /* no engines besides the job's */
        n_arg = NULL;
    }
    /* With --hosts, local engines only when asked for (-n 0 allowed). */
    if (hosts)
        n = 0;
    if (n_arg)
        rc = pp_parse_i64("-n", n_arg, hosts ? 0 : 1, PP_MAX_LOCAL_ENGINES,
                          &n, &err);
    if (rc)
        ;
    else if (!hosts && (ssh.nwords || ssh.engine[0]))
        rc = pp_error_set(&err, PP_EINVAL,
                          "--ssh-option and --engine-path go with --hosts");
    else if (hosts) {
        /* Remote engines connect to the location, else to the ip. */
        rc = pp_ssh_read_hosts(&ssh, hosts, &err);
        if (!rc)
            rc = location ? pp_ssh_check_address("--location", location,
                                                 &err)
                          : pp_ssh_check_address("--ip", ip, &err);
    }
    if (rc) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_USAGE;
    }
    bool curve = false, insecure = false;
    for (int i = 0; i < nctl; i++) {
        curve = curve || strcmp(ctl_args[i], "--curve") == 0;
        insecure = insecure || strcmp(ctl_args[i], "--insecure") == 0;
    }
    if (curve && insecure) {
        fprintf(stderr, "driver: --curve and --insecure contradict each "
                        "other; give one\n");
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_USAGE;
    }
    if (use_slurm && dry_run)
        return slurm_dry_run(o, &slurm, eng_args, neng);
    if ((use_mpi && pp_mpi_find(mpi.mpiexec, sizeof mpi.mpiexec, &err))
        || (use_slurm && pp_slurm_find(&err))) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_FAIL;
    }
    pp_cluster running;
    if (pp_cluster_load(&running, o->profile, &err) == 0
        && pp_pid_runs(running.controller, "controller")) {
        fprintf(stderr,
                "driver: a cluster is already running for profile '%s' "
                "(controller pid %ld); stop it with 'driver cluster stop'\n",
                o->profile, (long)running.controller);
        pp_cluster_free(&running);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_FAIL;
    }
    pp_cluster_free(&running);
    char base[PP_PATH_MAX];
    if (pp_profile_dir(o->profile, base, sizeof base, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_USAGE;
    }
    /* base is <PIPAR_DIR>/profile_NAME; the cluster wants PIPAR_DIR. */
    *strrchr(base, '/') = '\0';
    if (pp_mkdirs(base, 0700, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
        return CLI_FAIL;
    }
    pp_cluster cl = { .nctl_args = 0 };
    pp_cluster_controller_args(&cl, ctl_args, nctl);
    pp_cluster_engine_args(&cl, eng_args, neng);
    if (hosts) {
        cl.ssh = malloc(sizeof *cl.ssh);
        if (!cl.ssh) {
            fprintf(stderr, "driver: out of memory\n");
            pp_ssh_free(&ssh);
        pp_mpi_free(&mpi);
            return CLI_FAIL;
        }
        *cl.ssh = ssh; /* moved */
    }
    if (use_mpi) {
        cl.mpi = malloc(sizeof *cl.mpi);
        if (!cl.mpi) {
            fprintf(stderr, "driver: out of memory\n");
            pp_mpi_free(&mpi);
            pp_cluster_free(&cl);
            return CLI_FAIL;
        }
        *cl.mpi = mpi; /* moved */
    }
    if (use_slurm) {
        cl.slurm = malloc(sizeof *cl.slurm);
        if (!cl.slurm) {
            fprintf(stderr, "driver: out of memory\n");
            pp_cluster_free(&cl);
            return CLI_FAIL;
        }
        *cl.slurm = slurm;
    }
    rc = pp_cluster_start(&cl, base, o->profile, (int)n, true, timeout,
                          &err);
    /* A host each line, by name, whether the rest started or not. */
    for (int i = 0; cl.ssh && i < cl.ssh->nhosts; i++) {
        const pp_ssh_host *h = &cl.ssh->hosts[i];
        if (h->error[0])
            fprintf(stderr, "driver: host %s (%s:%d): %s\n", h->name, hosts,
                    h->line, h->error);
    }
    if (rc) {
        fprintf(stderr, "driver: cluster start: %s\n", err.msg);
        pp_cluster_free(&cl);
        return CLI_FAIL;
    }
    if (cl.slurm) {
        printf("cluster started for profile '%s': controller (pid %ld); "
               "Slurm job %s submitted for %d engine%s (script %s); they "
               "register when it runs ('driver cluster status')\n",
               o->profile, (long)cl.controller, cl.slurm->job, cl.slurm->n,
               cl.slurm->n == 1 ? "" : "s", cl.slurm->script);
        pp_cluster_free(&cl);
        return CLI_OK;
    }
    int total = cl.nengines + (cl.ssh ? pp_ssh_started(cl.ssh) : 0)
                + (cl.mpi ? cl.mpi->n : 0);
    printf("cluster started for profile '%s': controller (pid %ld) and %d "
           "engine%s registered in %.3f s; logs in %s/profile_%s/log\n",
           o->profile, (long)cl.controller, total, total == 1 ? "" : "s",
           cl.start_seconds, base, o->profile);
    for (int i = 0; cl.ssh && i < cl.ssh->nhosts; i++) {
        const pp_ssh_host *h = &cl.ssh->hosts[i];
        if (!h->npids)
            continue;
        printf("host %s: %d engine%s, pids", h->name, h->npids,
               h->npids == 1 ? "" : "s");
        for (int k = 0; k < h->npids; k++)
            printf(" %ld", h->pids[k]);
        printf("\n");
    }
    if (cl.mpi)
        printf("mpiexec pid %ld: %d engine%s, output in %s\n", cl.mpi->pid,
               cl.mpi->n, cl.mpi->n == 1 ? "" : "s", cl.mpi->log);
    bool partial = cl.ssh && cl.ssh_hosts_started < cl.ssh->nhosts;
    if (partial)
        printf("%d of %d hosts started their engines\n",
               cl.ssh_hosts_started, cl.ssh->nhosts);
    pp_cluster_free(&cl);
    return CLI_OK;
}

static int cluster_stop(const cli_opts *o)
{
    pp_cluster cl;
    pp_error err = { 0 };
    int rc = pp_cluster_load(&cl, o->profile, &err);
    if (rc == PP_ENOENT) {
        fprintf(stderr,
                "driver: no cluster was started for profile '%s' (no state "
                "file)\n",
                o->profile);
        return CLI_FAIL;
    }
    if (rc) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    int running = pp_cluster_stop(&cl, 5);
    int failed = 0;
    for (int i = 0; cl.ssh && i < cl.ssh->nhosts; i++) {
        const pp_ssh_host *h = &cl.ssh->hosts[i];
        if (!h->error[0])
            continue;
        fprintf(stderr, "driver: host %s: engines (pids", h->name);
        for (int k = 0; k < h->npids; k++)
            fprintf(stderr, " %ld", h->pids[k]);
        fprintf(stderr, ") may still run: %s\n", h->error);
        failed++;
    }
    if (cl.slurm && cl.stop_error[0]) {
        fprintf(stderr, "driver: Slurm job %s may still run: %s\n",
                cl.slurm->job, cl.stop_error);
        failed++;
    } else if (cl.slurm) {
        printf("Slurm job %s cancelled\n", cl.slurm->job);
    }
    pp_cluster_free(&cl);
    printf("cluster stopped for profile '%s': %d process%s ended\n",
           o->profile, running, running == 1 ? "" : "es");
    return failed ? CLI_FAIL : CLI_OK;
}

static int cluster_status(const cli_opts *o)
{
    pp_cluster cl;
    pp_error err = { 0 };
    int rc = pp_cluster_load(&cl, o->profile, &err);
    if (rc && rc != PP_ENOENT) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (rc == 0) {
        int alive = 0;
        for (int i = 0; i < cl.nengines; i++)
            alive += pp_pid_runs(cl.engines[i], "engine");
        bool job = cl.mpi || cl.slurm;
        printf("%s cluster for profile '%s': controller pid %ld %s",
               cl.ssh     ? "ssh"
               : cl.mpi   ? "mpi"
               : cl.slurm ? "slurm"
                          : "local",
               o->profile, (long)cl.controller,
               pp_pid_runs(cl.controller, "controller") ? "running"
                                                        : "not running");
        if (!job || cl.nengines)
            printf(", %d of %d %sengine processes running", alive,
                   cl.nengines, cl.ssh || job ? "local " : "");
        printf("\n");
        if (cl.mpi)
            print_mpi_status(cl.mpi);
        if (cl.slurm)
            print_slurm_status(cl.slurm);
        if (cl.ssh)
            pp_ssh_status(cl.ssh, o->profile, 15);
        for (int i = 0; cl.ssh && i < cl.ssh->nhosts; i++) {
            const pp_ssh_host *h = &cl.ssh->hosts[i];
            if (h->error[0]) {
                printf("host %s: %s\n", h->name, h->error);
                continue;
            }
            printf("host %s: %d of %d engine processes running, pids",
                   h->name, h->running, h->npids);
            for (int k = 0; k < h->npids; k++)
                printf(" %ld", h->pids[k]);
            printf("\n");
        }
        pp_cluster_free(&cl);
    }
    char path[PP_PATH_MAX];
    const char *file = cli_client_json(o, path, &err);
    if (!file) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_USAGE;
    }
    pp_client *c = pp_client_connect(file, o->timeout_s, &err);
    char *json = NULL;
    if (!c || pp_client_status(c, &json, &err)) {
        pp_client_destroy(&c);
        fprintf(stderr, "driver: cluster status: %s\n", err.msg);
        return CLI_FAIL;
    }
    pp_client_destroy(&c);
    json_t *root = json_loads(json, 0, NULL);
    free(json);
    json_t *engines = json_object_get(root, "engines");
    json_t *dropped = json_object_get(root, "dropped");
    printf("controller pid %lld, up %.1f s, scheme %s, hwm %lld; %zu "
           "engine%s:",
           (long long)json_integer_value(json_object_get(root, "pid")),
           json_number_value(json_object_get(root, "uptime_s")),
           json_string_value(json_object_get(root, "scheme")),
           (long long)json_integer_value(json_object_get(root, "hwm")),
           json_array_size(engines),
           json_array_size(engines) == 1 ? "" : "s");
    for (size_t i = 0; i < json_array_size(engines); i++) {
        json_t *e = json_array_get(engines, i);
        printf(" %lld (%s pid %lld)",
               (long long)json_integer_value(json_object_get(e, "id")),
               json_string_value(json_object_get(e, "host")),
               (long long)json_integer_value(json_object_get(e, "pid")));
    }
#define FIELD(obj, name) ((long long)json_integer_value(json_object_get(obj, name)))
    printf("\ntasks: %lld done, %lld failed, %lld retried, %lld queued, %lld "
           "outstanding; dropped messages: %lld bad signature, %lld "
           "malformed, %lld unknown sender, %lld replayed, %lld stale; "
           "%lld tasks over a client's backlog\n",
           FIELD(root, "tasks_done"), FIELD(root, "tasks_failed"),
           FIELD(root, "tasks_retried"), FIELD(root, "tasks_queued"),
           FIELD(root, "tasks_outstanding"), FIELD(dropped, "bad_signature"),
           FIELD(dropped, "malformed"), FIELD(dropped, "unknown_sender"),
           FIELD(dropped, "replayed"), FIELD(dropped, "stale"),
           FIELD(dropped, "over_backlog"));
    if (FIELD(root, "tasks_lost"))
        printf("%lld tasks lost with a dropped connection (queued again, "
               "or failed if sent to a named engine)\n",
               FIELD(root, "tasks_lost"));
    if (FIELD(root, "tasks_aborted"))
        printf("%lld tasks aborted by their clients before they ran\n",
               FIELD(root, "tasks_aborted"));
    if (FIELD(dropped, "curve_refused"))
        printf("%lld connections refused without this cluster's CURVE key\n",
               FIELD(dropped, "curve_refused"));
    /* Clients that do not read what is sent to them (outbox.c). */
    if (FIELD(root, "results_waiting") || FIELD(dropped, "unread"))
        printf("%lld results wait for clients that do not read; %lld "
               "replies to them dropped\n",
               FIELD(root, "results_waiting"), FIELD(dropped, "unread"));
    /* Engines whose connection dropped and has not come back yet. */
    for (size_t i = 0; i < json_array_size(engines); i++) {
        json_t *e = json_array_get(engines, i);
        json_t *since = json_object_get(e, "unreachable_s");
        if (since)
            printf("engine %lld has not been connected for %.1f s (its "
                   "connection dropped); %lld direct task%s for it\n",
                   FIELD(e, "id"), json_number_value(since), FIELD(e, "held"),
                   FIELD(e, "held") == 1 ? " waits" : "s wait");
    }
    /* What each engine refused itself, when it refused anything. */
    for (size_t i = 0; i < json_array_size(engines); i++) {
        json_t *e = json_array_get(engines, i);
        json_t *d = json_object_get(e, "dropped");
        if (FIELD(d, "replayed") + FIELD(d, "stale") + FIELD(d, "other"))
            printf("engine %lld dropped: %lld replayed, %lld stale, %lld "
                   "other\n",
                   FIELD(e, "id"), FIELD(d, "replayed"), FIELD(d, "stale"),
                   FIELD(d, "other"));
    }
#undef FIELD
    json_decref(root);
    return CLI_OK;
}

int cli_cluster(const cli_opts *o, int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "driver: cluster needs start, stop, status, watch or "
                "shutdown\n");
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "start") == 0)
        return cluster_start(o, argc - 1, argv + 1);
    if (strcmp(argv[1], "watch") == 0)
        return cli_cluster_watch(o, argc - 1, argv + 1);
    if (strcmp(argv[1], "shutdown") == 0)
        return cli_cluster_shutdown(o, argc - 1, argv + 1);
    if (argc > 2) {
        fprintf(stderr, "driver: cluster %s: unexpected argument '%s'\n",
                argv[1], argv[2]);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "stop") == 0)
        return cluster_stop(o);
    if (strcmp(argv[1], "status") == 0)
        return cluster_status(o);
    fprintf(stderr,
            "driver: cluster: unknown action '%s' (start, stop, status, "
            "watch or shutdown)\n",
            argv[1]);
    return CLI_USAGE;
}
