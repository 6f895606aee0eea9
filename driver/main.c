/* main.c - the driver's command line: its options, --help and the dispatch
 * to the commands (cmd_*.c, cluster.c). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "files.h"
#include "log.h"
#include "drv_options.h"

static void usage(FILE *f)
{
    fputs(
        "usage: driver [--profile NAME] [--file CLIENT_JSON] [--timeout S]\n"
        "              [--embed | --no-embed] [--engines N] COMMAND "
        "[options]\n"
        "\n"
        "commands:\n"
        "  ids                           the ids of the registered engines\n"
        "  hello                         Hello World on every engine\n"
        "  powers [--n 64] [--exponent 10] [--view direct|balanced]\n"
        "         [--chunksize 1] [--retries 0]\n"
        "                                x**exponent for x in range(n):\n"
        "                                direct: scatter x, execute y = "
        "x**e,\n"
        "                                gather y; balanced: a map in tasks\n"
        "                                of chunksize items\n"
        "  apply [--time-limit S] WORKLOAD [ARG...]\n"
        "                                run a workload on every engine\n"
        "                                (numbers are i64 or f64, the rest "
        "str)\n"
        "  gather NAME                   gather an array from every "
        "engine\n"
        "  pi --digits N [--leaves K] [--local] [--print] [--data-dir DIR]\n"
        "                                the first N digits of pi (N as\n"
        "                                1000000 or 150e6), computed on the\n"
        "                                cluster and cached in DIR (data)\n"
        "  pi-pairs --digits N [--chunksize C] [--chunk-digits M | "
        "--chunks K]\n"
        "           [--view balanced|direct] [--data ship|local] "
        "[--retries R]\n"
        "           [--scaling 1,2,4] [--data-dir DIR] [--results-dir DIR]\n"
        "                                counts of the 100 two-digit pairs "
        "in\n"
        "                                the first N digits of pi, with the\n"
        "                                article's figure in results/\n"
        "  workloads                     the workloads the engines can run,\n"
        "                                as they report them, with their\n"
        "                                module\n"
        "  load FILE.c                   compile a module of workloads on\n"
        "                                every engine and add them (all or\n"
        "                                none); see docs/workloads.md\n"
        "  unload NAME                   remove module NAME from the "
        "engines\n"
        "  map NAME --range A:B [--chunksize 1] [--view balanced|direct]\n"
        "      [--sum] [--retries 0]     NAME over the integers of [A, B),\n"
        "      [--time-limit S]          results in order (or their sum);\n"
        "                                wall, serial time and speedup\n"
        "                                (--time-limit: a task running\n"
        "                                longer is stopped, its engine\n"
        "                                restarted, and it fails or is\n"
        "                                retried)\n"
        "  check DIR [FILE.c]            an exercise's check (DIR/check.conf)\n"
        "                                on FILE.c (DIR/exercise.c): load,\n"
        "                                run against the known answer, pass\n"
        "                                or fail with the speedup, unload;\n"
        "                                see exercises/\n"
        "  cluster start [-n N] [--scheme S] [--hwm N]\n"
        "                [--heartbeat-period S] [--heartbeat-misses N]\n"
        "                [--backlog N] [--max-message-size B]\n"
        "                [--clock-window S] [--curve | --insecure]\n"
        "                [--no-load] [--allow-root-modules] [--no-restart]\n"
        "                                (the last three: for its engines)\n"
        "  cluster start --hosts FILE --ip ADDR [--location ADDR]\n"
        "                [--engine-path PATH] [--ssh-option WORDS] [-n N]\n"
        "                                engines on other machines over ssh;\n"
        "                                FILE: a line 'host [engines] [user@]\n"
        "                                [port]' each (README)\n"
        "  cluster start --launcher mpi -n N [--mpi-args WORDS]\n"
        "                                the engines as the N ranks of\n"
        "                                Open MPI's mpiexec\n"
        "  cluster start --launcher slurm -n N [--partition P] [--time T]\n"
        "                [--dry-run]     the engines as a Slurm batch job\n"
        "                                (srun); --dry-run prints its script\n"
        "  cluster stop | status | watch [--count N] [--for S]\n"
        "                                a local cluster that outlives "
        "the\n"
        "                                command (like ipcluster)\n"
        "  cluster shutdown [--engines 0,2] [--controller]\n"
        "                                engines (all by default) and the\n"
        "                                controller stopped through it,\n"
        "                                wherever they run (rc.shutdown)\n"
        "  profile create NAME | list    a profile's commented\n"
        "                                controller.conf, engine.conf and\n"
        "                                driver.conf (README); the profiles\n"
        "\n"
        "A command uses the profile's controller when the profile has a\n"
        "connection file (client.json; --file names another one); when\n"
        "that controller does not answer, the command says so and fails.\n"
        "With no connection file it starts a local cluster (one engine a\n"
        "core, or --engines N) for its run and stops it afterwards;\n"
        "--embed does that whatever the profile has, --no-embed never.\n",
        f);
}

/* The profile's driver.conf under what the command line gave (given[id]);
 * 0, or 1 after saying why. */
static int read_conf(cli_opts *o, const bool given[PP_CONF_IDS])
{
    static pp_conf conf; /* its values live as long as the driver */
    pp_error err = { 0 };
    char path[PP_PATH_MAX];
    bool exists;
    if (pp_profile_dir(o->profile, path, sizeof path, &err)
        || strlen(path) + sizeof "/driver.conf" > sizeof path)
        return 0; /* the command names the problem, as always */
    strcat(path, "/driver.conf");
    if (pp_conf_read(&drv_conf_table, path, &conf, &exists, &err)
        || pp_conf_apply(&drv_conf_table, &conf, o, given, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        pp_conf_free(&conf);
        return 1;
    }
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

int main(int argc, char **argv)
{
    cli_opts o = { .profile = "default", .timeout_s = 2 };
    pp_error err = { 0 };
    bool given[PP_CONF_IDS] = { false };
    static const struct option opts[] = {
        { "profile", required_argument, NULL, 'p' },
        { "file", required_argument, NULL, 'f' },
        { "timeout", required_argument, NULL, 't' },
        { "no-embed", no_argument, NULL, 'E' },
        { "embed", no_argument, NULL, 'M' },
        { "engines", required_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    pp_log_init("driver", PP_LOG_WARN);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case 'p': o.profile = optarg; rc = pp_profile_check(optarg, &err);
            break;
        case 'f':
        case 't':
        case 'E':
        case 'M':
        case 'n': {
            char name[32];
            const char *o_name = "?";
            for (size_t i = 0; opts[i].name; i++)
                if (opts[i].val == c)
                    o_name = opts[i].name;
            snprintf(name, sizeof name, "--%s", o_name);
            rc = drv_opts_apply(&o, c, name, optarg ? optarg : "true", &err);
            given[c] = true;
            break;
        }
        case 'h': usage(stdout); return CLI_OK;
        default:
            rc = pp_error_set(&err, PP_EINVAL,
                              "unknown or incomplete option '%s' (see "
                              "--help)",
                              argv[optind - 1]);
        }
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (read_conf(&o, given))
        return CLI_USAGE;
    if (o.embed && o.no_embed) {
        fprintf(stderr, "driver: give --embed or --no-embed, not both\n");
        return CLI_USAGE;
    }
    if (o.embed && o.file) {
        fprintf(stderr, "driver: give --embed or --file, not both\n");
        return CLI_USAGE;
    }
    if (o.embed && optind < argc && strcmp(argv[optind], "cluster") == 0) {
        fprintf(stderr, "driver: --embed is for commands that run work; "
                        "'cluster' manages the profile's own cluster\n");
        return CLI_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "driver: which command? (ids, hello, powers, apply, "
                        "gather, load, unload, map, check, pi, pi-pairs, workloads, "
                        "cluster, profile; see "
                        "driver --help)\n");
        return CLI_USAGE;
    }
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* The terminal closed (an ssh session to the head Pi that dropped):
     * as Ctrl-C, the run's tasks left in the controller are aborted, not
     * run for nobody.  Under nohup it stays ignored. */
    struct sigaction hup;
    if (sigaction(SIGHUP, NULL, &hup) == 0 && hup.sa_handler != SIG_IGN)
        sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (strcmp(cmd, "ids") == 0)
        return cli_no_more_args(cmd, sub_argc, sub_argv) ?: cli_ids(&o);
    if (strcmp(cmd, "hello") == 0)
        return cli_no_more_args(cmd, sub_argc, sub_argv) ?: cli_hello(&o);
    if (strcmp(cmd, "powers") == 0)
        return cli_powers(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "apply") == 0)
        return cli_apply(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "gather") == 0)
        return cli_gather(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "workloads") == 0)
        return cli_no_more_args(cmd, sub_argc, sub_argv) ?: cli_workloads(&o);
    if (strcmp(cmd, "cluster") == 0)
        return cli_cluster(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "load") == 0)
        return cli_load(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "unload") == 0)
        return cli_unload(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "map") == 0)
        return cli_map(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "check") == 0)
        return cli_check(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "pi") == 0)
        return cli_pi(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "pi-pairs") == 0)
        return cli_pi_pairs(&o, sub_argc, sub_argv);
    if (strcmp(cmd, "profile") == 0)
        return cli_profile(&o, sub_argc, sub_argv);

    fprintf(stderr, "driver: unknown command '%s' (see --help)\n", cmd);
    return CLI_USAGE;
}
