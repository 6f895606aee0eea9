/* main.c - the controller's command line. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "connfile.h"
#include "files.h"
#include "heap.h"
#include "hub.h"
#include "log.h"
#include "ctl_options.h"
#include "policy.h"

static void usage(FILE *f)
{
    fputs("usage: controller [--ip ADDR] [--location ADDR] [--profile NAME]\n"
          "                  [--reuse] [--log-level debug|info|warn|error]\n"
          "                  [--scheme leastload|lru|plainrandom|twobin|"
          "weighted]\n"
          "                  [--hwm N] [--heartbeat-period S] "
          "[--heartbeat-misses N]\n"
          "                  [--clock-window S] [--max-message-size BYTES]"
          " [--backlog N]\n"
          "                  [--curve | --insecure]\n"
          "                  [--http PORT [--http-ip ADDR] [--http-token-always]\n"
          "                   [--http-timeout S] [--results-dir DIR]]\n"
          "Listens on 127.0.0.1 unless --ip says otherwise ('*' for every\n"
          "interface, e.g. a LAN of Raspberry Pis) and writes engine.json and\n"
          "client.json under $PIPAR_DIR/profile_NAME/security/.\n"
          "--clock-window: messages stamped further than S seconds from this\n"
          "  host's clock are refused (300; 0 turns the check off).\n"
          "--max-message-size: larger frames are refused before they are read\n"
          "  (1G; K, M, G suffixes).  --backlog: tasks one client may have\n"
          "  queued or running in the controller, results waiting for it\n"
          "  included (100000, about 150 MB of its memory for small tasks;\n"
          "  0: no limit, and no limit on what waits for a client).\n"
          "--curve: encrypt and authenticate all traffic with CurveZMQ; the\n"
          "  keys go in the connection files and only their holders can\n"
          "  connect.  The default when --ip is not a loopback address\n"
          "  (127.0.0.0/8, ::1, localhost).\n"
          "--insecure: no CurveZMQ beyond loopback: anyone who can reach\n"
          "  the ports can make the controller hold --max-message-size bytes\n"
          "  per frame they send, without limit, before any check.\n"
          "--http PORT: a live status page and its JSON API on PORT (0: any\n"
          "  free port; client.json's http_port says which), on 127.0.0.1\n"
          "  unless --http-ip.  Peers beyond loopback must give the token\n"
          "  printed at start and written in client.json (http_token), as\n"
          "  ?token= or 'Authorization: Bearer'; --http-token-always asks it\n"
          "  of loopback peers too (a machine shared with others).\n"
          "  --http-timeout: idle connections are closed after S seconds\n"
          "  (10).  --results-dir: where the page finds the newest\n"
          "  pi-pairs-N.png and .csv (results, from where it was started).\n",
          f);
}

/* 127.0.0.0/8, ::1 (bracketed or not) and localhost: only this host can
 * connect, so CurveZMQ stays off unless --curve asks for it. */
static bool loopback(const char *ip)
{
    struct in_addr v4;
    struct in6_addr v6;
    char bare[64];
    size_t n = strlen(ip);
    if (strcmp(ip, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, ip, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (n >= 2 && n < sizeof bare && ip[0] == '[' && ip[n - 1] == ']') {
        memcpy(bare, ip + 1, n - 2);
        bare[n - 2] = '\0';
        ip = bare;
    }
    return inet_pton(AF_INET6, ip, &v6) == 1
        && memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
}

static int run(ctl_opts *o);

/* The profile's controller.conf under what the command line gave
 * (given[id]); 0, or 2 after saying why. */
static int read_conf(ctl_opts *o, const bool given[PP_CONF_IDS],
                     pp_conf *conf)
{
    pp_error err = { 0 };
    char path[PP_PATH_MAX];
    bool exists;
    if (pp_profile_dir(o->cfg.profile, path, sizeof path, &err) == 0
        && strlen(path) + sizeof "/controller.conf" <= sizeof path)
        strcat(path, "/controller.conf");
    else
        return 0; /* a bad --profile: named below, as always */
    if (pp_conf_read(&ctl_conf_table, path, conf, &exists, &err)
        || pp_conf_apply(&ctl_conf_table, conf, o, given, &err)) {
        pp_err("%s", err.msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    ctl_opts o;
    ctl_opts_init(&o);
    hub_config *cfgp = &o.cfg;
    pp_error err = { 0 };
    bool given[PP_CONF_IDS] = { false };
    static const struct option opts[] = {
        { "ip", required_argument, NULL, 'i' },
        { "location", required_argument, NULL, 'L' },
        { "profile", required_argument, NULL, 'p' },
        { "reuse", no_argument, NULL, 'r' },
        { "log-level", required_argument, NULL, 'l' },
        { "scheme", required_argument, NULL, 's' },
        { "hwm", required_argument, NULL, 'w' },
        { "heartbeat-period", required_argument, NULL, 'P' },
        { "heartbeat-misses", required_argument, NULL, 'M' },
        { "clock-window", required_argument, NULL, 'C' },
        { "max-message-size", required_argument, NULL, 'X' },
        { "backlog", required_argument, NULL, 'B' },
        { "curve", no_argument, NULL, 'K' },
        { "insecure", no_argument, NULL, 'I' },
        { "http", required_argument, NULL, 'H' },
        { "http-ip", required_argument, NULL, 'J' },
        { "http-token-always", no_argument, NULL, 'T' },
        { "http-timeout", required_argument, NULL, 'O' },
        { "results-dir", required_argument, NULL, 'R' },
        { "help", no_argument, NULL, 'h' },
        { 0, 0, 0, 0 },
    };
    pp_log_init("controller", PP_LOG_INFO);
    opterr = 0;
    int c, index = 0;
    while ((c = getopt_long(argc, argv, "h", opts, &index)) != -1) {
        switch (c) {
        case 'p': cfgp->profile = optarg; break;
        case 'h': usage(stdout); return 0;
        case '?':
            pp_err("unknown or incomplete option '%s' (see --help)",
                   argv[optind - 1]);
            return 2;
        default: {
            /* The option as the user typed it names the value. */
            char name[64];
            const char *o_name = NULL;
            for (size_t i = 0; opts[i].name; i++)
                if (opts[i].val == c)
                    o_name = opts[i].name;
            snprintf(name, sizeof name, "--%s", o_name ? o_name : "?");
            if (ctl_opts_apply(&o, c, name, optarg ? optarg : "true",
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
    pp_conf conf = { 0 };
    int rc = read_conf(&o, given, &conf);
    if (rc) {
        pp_conf_free(&conf);
        return rc;
    }
    rc = run(&o);
    pp_conf_free(&conf);
    return rc;
}

/* The checks between options, then the hub. */
static int run(ctl_opts *o)
{
    hub_config cfg = o->cfg;
    bool insecure = o->insecure;
    int level = o->level;
    pp_error err = { 0 };
    if (!cfg.http && (cfg.http_ip || cfg.http_token_always
                      || cfg.http_timeout_s > 0 || cfg.results_dir)) {
        pp_err("--http-ip, --http-token-always, --http-timeout and "
               "--results-dir go with --http PORT");
        return 2;
    }
    if (cfg.curve && insecure) {
        pp_err("--curve and --insecure contradict each other; give one");
        return 2;
    }
    pp_log_init("controller", (pp_log_level)level);
    /* Beyond loopback a stranger can reach the ports: CurveZMQ turns it
     * away at the handshake, before ZeroMQ queues any frame of its. */
    if (!loopback(cfg.ip) && !insecure)
        cfg.curve = true;
    if (insecure && !loopback(cfg.ip))
        pp_warn("--insecure: traffic on %s is neither encrypted nor "
                "authenticated, and any peer that reaches it can make this "
                "controller hold memory without limit",
                cfg.ip);
    else if (insecure)
        pp_warn("--insecure: no effect on the loopback address %s (CurveZMQ "
                "is off there unless --curve)",
                cfg.ip);
    if (pp_profile_check(cfg.profile, &err)) {
        pp_err("--profile: %s", err.msg);
        return 2;
    }
    /* Task frames are received by ZeroMQ's thread and freed by this one
     * once their result is in; one arena finds them again (heap.h). */
    pp_heap_keep(true);
    if (hub_run(&cfg, &err)) {
        pp_err("%s", err.msg);
        return 1;
    }
    return 0;
}
