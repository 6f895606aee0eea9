/* ctl_options.c - the controller's options, from its command line and from
 * controller.conf, checked by the same code. */
#include "ctl_options.h"

#include <stdint.h>
#include <string.h>

#include "args.h"
#include "connfile.h"
#include "policy.h"
#include "replay.h"

void ctl_opts_init(ctl_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cfg = (hub_config){ .ip = "127.0.0.1", .profile = "default",
                           .scheme = "leastload", .hwm = 1,
                           .heartbeat_s = 1, .heartbeat_misses = 5,
                           .clock_window_s = PP_CLOCK_WINDOW_S,
                           .max_message = PP_MAX_MESSAGE,
                           .backlog = 100000 };
    o->level = PP_LOG_INFO;
}

static int flag(const char *name, const char *value, bool *out,
                pp_error *err)
{
    return pp_parse_bool(name, value, out, err);
}

int ctl_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err)
{
    ctl_opts *o = opts;
    hub_config *cfg = &o->cfg;
    int64_t num;
    int rc = 0;
    switch (id) {
    case 'i': cfg->ip = value; break;
    case 'L':
        /* Engines put it into a tcp:// address: a host name, an IPv4
         * address or a bracketed IPv6 one, nothing else. */
        if (!*value || strlen(value) > 253
            || strspn(value, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]")
                   != strlen(value))
            return pp_error_set(err, PP_EINVAL,
                                "%s: '%s' is not a host name or address",
                                name, value);
        cfg->location = value;
        break;
    case 'r': rc = flag(name, value, &cfg->reuse, err); break;
    case 'K': rc = flag(name, value, &cfg->curve, err); break;
    case 'I': rc = flag(name, value, &o->insecure, err); break;
    case 'T': rc = flag(name, value, &cfg->http_token_always, err); break;
    case 's':
        if (!sched_policy_find(value))
            return pp_error_set(err, PP_EINVAL, "%s: '%s' is not one of %s",
                                name, value, sched_policy_names());
        cfg->scheme = value;
        break;
    case 'w':
        rc = pp_parse_i64(name, value, 0, 1000000, &num, err);
        if (!rc)
            cfg->hwm = (int)num;
        break;
    case 'P':
        rc = pp_parse_seconds(name, value, 0.01, 600, &cfg->heartbeat_s,
                              err);
        break;
    case 'M':
        rc = pp_parse_i64(name, value, 1, 1000, &num, err);
        if (!rc)
            cfg->heartbeat_misses = (int)num;
        break;
    case 'C':
        rc = pp_parse_seconds(name, value, 0, 86400, &cfg->clock_window_s,
                              err);
        break;
    case 'X':
        rc = pp_parse_bytes(name, value, 1024, (int64_t)1 << 40,
                            &cfg->max_message, err);
        break;
    case 'B':
        rc = pp_parse_i64(name, value, 0, INT64_MAX / 2, &cfg->backlog,
                          err);
        break;
    case 'H':
        rc = pp_parse_i64(name, value, 0, 65535, &num, err);
        if (!rc) {
            cfg->http = true;
            cfg->http_port = (int)num;
        }
        break;
    case 'J': cfg->http_ip = value; break;
    case 'O':
        rc = pp_parse_seconds(name, value, 1, 3600, &cfg->http_timeout_s,
                              err);
        break;
    case 'R': cfg->results_dir = value; break;
    case 'l': {
        int level = pp_log_level_parse(value);
        if (level < 0)
            return pp_error_set(err, PP_EINVAL,
                                "%s: '%s' is not one of debug, info, warn, "
                                "error",
                                name, value);
        o->level = level;
        break;
    }
    default:
        return pp_error_set(err, PP_EINVAL, "%s: not an option", name);
    }
    return rc;
}

static const pp_conf_key keys[] = {
    { .key = "ip", .id = 'i', .option = "--ip", .def = "127.0.0.1",
      .example = "*",
      .doc = "The address to listen on; * for every interface (a LAN of\n"
             "Raspberry Pis, which also turns CurveZMQ on)." },
    { .key = "location", .id = 'L', .option = "--location",
      .unset = "the ip address", .example = "pi0.local",
      .doc = "The address engines and clients connect to, written into\n"
             "the connection files." },
    { .key = "reuse", .id = 'r', .option = "--reuse", .def = "false",
      .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Keep the ports and key of the profile's connection files\n"
             "across restarts, so engines and clients need no new copy." },
    { .key = "log_level", .id = 'l', .option = "--log-level",
      .def = "info", .example = "debug",
      .doc = "debug, info, warn or error." },
    { .key = "scheme", .id = 's', .option = "--scheme",
      .def = "leastload", .example = "twobin",
      .doc = "How balanced tasks are given out: leastload, lru,\n"
             "plainrandom, twobin or weighted." },
    { .key = "hwm", .id = 'w', .option = "--hwm", .def = "1",
      .example = "4",
      .doc = "Balanced tasks outstanding per engine (0: no limit)." },
    { .key = "heartbeat_period", .id = 'P', .option = "--heartbeat-period",
      .def = "1", .example = "0.5",
      .doc = "Seconds between engine heartbeats (0.01 to 600)." },
    { .key = "heartbeat_misses", .id = 'M', .option = "--heartbeat-misses",
      .def = "5", .example = "10",
      .doc = "Heartbeats an engine may miss before it counts as dead." },
    { .key = "clock_window", .id = 'C', .option = "--clock-window",
      .def = "300", .example = "60",
      .doc = "Messages stamped further than this many seconds from this\n"
             "host's clock are refused (0 turns the check off)." },
    { .key = "max_message_size", .id = 'X', .option = "--max-message-size",
      .def = "1G", .example = "64M",
      .doc = "Larger frames are refused before they are read (bytes, or\n"
             "with K, M, G)." },
    { .key = "backlog", .id = 'B', .option = "--backlog", .def = "100000",
      .example = "1000",
      .doc = "Tasks one client may have queued or running in the\n"
             "controller, results waiting for it included (0: no limit)." },
    { .key = "curve", .id = 'K', .option = "--curve", .def = "false",
      .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Encrypt and authenticate all traffic with CurveZMQ (always\n"
             "on beyond loopback unless insecure)." },
    { .key = "insecure", .id = 'I', .option = "--insecure",
      .def = "false", .example = "true", .flags = PP_CONF_FLAG,
      .doc = "No CurveZMQ beyond loopback: anyone who reaches the ports\n"
             "can make the controller hold memory without limit." },
    { .key = "http", .id = 'H', .option = "--http", .unset = "no page",
      .example = "8080",
      .doc = "Serve the live status page and its JSON API on this port\n"
             "(0: any free port, named in client.json)." },
    { .key = "http_ip", .id = 'J', .option = "--http-ip",
      .unset = "127.0.0.1", .example = "*",
      .doc = "The status page's address (with http)." },
    { .key = "http_token_always", .id = 'T',
      .option = "--http-token-always", .def = "false", .example = "true",
      .flags = PP_CONF_FLAG,
      .doc = "Ask the page's token of loopback peers too (with http)." },
    { .key = "http_timeout", .id = 'O', .option = "--http-timeout",
      .unset = "10", .example = "30",
      .doc = "Idle page connections are closed after this many seconds\n"
             "(with http)." },
    { .key = "results_dir", .id = 'R', .option = "--results-dir",
      .unset = "results, from where the controller started",
      .example = "/home/pi/pipar/results",
      .doc = "Where the page finds the newest pi-pairs-N.png and .csv\n"
             "(with http)." },
};

const pp_conf_table ctl_conf_table = {
    .program = "controller",
    .file = "controller.conf",
    .about = "Read by 'controller --profile NAME' and 'driver --profile "
             "NAME cluster start'.",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .apply = ctl_opts_apply,
    .opts_size = sizeof(ctl_opts),
};
