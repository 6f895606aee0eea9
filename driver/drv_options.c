/* drv_options.c - the driver's own options, from its command line and from
 * driver.conf, checked by the same code. */
#include "drv_options.h"

#include "args.h"

int drv_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err)
{
    cli_opts *o = opts;
    int64_t n;
    int rc = 0;
    switch (id) {
    case 'f': o->file = value; break;
    case 't':
        rc = pp_parse_seconds(name, value, 0.001, 86400, &o->timeout_s, err);
        break;
    case 'E': rc = pp_parse_bool(name, value, &o->no_embed, err); break;
    case 'M': rc = pp_parse_bool(name, value, &o->embed, err); break;
    case 'n':
        rc = pp_parse_i64(name, value, 1, PP_MAX_LOCAL_ENGINES, &n, err);
        if (!rc)
            o->engines = (int)n;
        break;
    default:
        return pp_error_set(err, PP_EINVAL, "%s: not an option", name);
    }
    return rc;
}

static const pp_conf_key keys[] = {
    { .key = "file", .id = 'f', .option = "--file",
      .unset = "the profile's security/client.json",
      .example = "/home/pi/client.json",
      .doc = "The connection file of the controller to use (never an\n"
             "embedded cluster)." },
    { .key = "timeout", .id = 't', .option = "--timeout", .def = "2",
      .example = "10",
      .doc = "Seconds the controller may take to answer." },
    { .key = "embed", .id = 'M', .option = "--embed", .def = "false",
      .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Run every command on an embedded local cluster, whatever\n"
             "the profile has." },
    { .key = "no_embed", .id = 'E', .option = "--no-embed",
      .def = "false", .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Never start an embedded cluster: without a controller a\n"
             "command fails." },
    { .key = "engines", .id = 'n', .option = "--engines",
      .unset = "one a core", .example = "4",
      .doc = "Engines of an embedded cluster." },
};

const pp_conf_table drv_conf_table = {
    .program = "driver",
    .file = "driver.conf",
    .about = "Read by 'driver --profile NAME COMMAND'.",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .apply = drv_opts_apply,
    .opts_size = sizeof(cli_opts),
};
