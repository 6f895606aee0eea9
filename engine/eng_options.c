/* eng_options.c - the engine's options, from its command line and from
 * engine.conf, checked by the same code. */
#include "eng_options.h"

#include <string.h>

#include "args.h"
#include "log.h"

void eng_opts_init(eng_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout_s = 10;
    o->level = PP_LOG_INFO;
    o->mods.cc = "cc";
}

/* Every item of a load list names a C source: NAME.c, NAME the module's
 * name (checked again when it is loaded). */
static int check_sources(const char *name, const char *list, pp_error *err)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        const char *base = p;
        for (const char *q = p; q < p + n; q++)
            if (*q == '/')
                base = q + 1;
        size_t bn = (size_t)(p + n - base);
        if (bn < 3 || strncmp(p + n - 2, ".c", 2) != 0)
            return pp_error_set(err, PP_EINVAL,
                                "%s: '%.*s' is not a C source (NAME.c)",
                                name, (int)n, p);
        p += n + (p[n] == ',');
    }
    return 0;
}

int eng_opts_apply(void *opts, int id, const char *name, const char *value,
                   pp_error *err)
{
    eng_opts *o = opts;
    int rc = 0;
    switch (id) {
    case 'f': o->file = value; break;
    case 't':
        rc = pp_parse_seconds(name, value, 0.001, 86400, &o->timeout_s, err);
        break;
    case 'd':
        rc = pp_parse_seconds(name, value, 0, 3600, &o->task_delay_s, err);
        break;
    case 'D': o->data_dir = value; break;
    case 'C': o->mods.cc = value; break;
    case 'K': o->mods.cache_dir = value; break;
    case 'M':
        o->mods.modules_dir = *value ? value : NULL;
        o->modules_dir_given = true;
        break;
    case 'N': rc = pp_parse_bool(name, value, &o->mods.refuse, err); break;
    case 'R':
        rc = pp_parse_bool(name, value, &o->mods.allow_root, err);
        break;
    case 'S': rc = pp_parse_bool(name, value, &o->no_restart, err); break;
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
    case ENG_KEY_LOAD:
        rc = check_sources(name, value, err);
        if (!rc) {
            o->load = value;
            o->load_where = name;
        }
        break;
    case ENG_KEY_DATA_FILE:
        if (!*value)
            return pp_error_set(err, PP_EINVAL, "%s: an empty file name",
                                name);
        o->data_file = value;
        o->data_file_where = name;
        break;
    default:
        return pp_error_set(err, PP_EINVAL, "%s: not an option", name);
    }
    return rc;
}

static const pp_conf_key keys[] = {
    { .key = "file", .id = 'f', .option = "--file",
      .unset = "the profile's security/engine.json",
      .example = "/home/pi/engine.json",
      .doc = "The connection file naming the controller to join." },
    { .key = "timeout", .id = 't', .option = "--timeout", .def = "10",
      .example = "30",
      .doc = "Seconds registration with the controller may take." },
    { .key = "log_level", .id = 'l', .option = "--log-level",
      .def = "info", .example = "warn",
      .doc = "debug, info, warn or error." },
    { .key = "task_delay", .id = 'd', .option = "--task-delay",
      .def = "0", .example = "0.5",
      .doc = "Seconds added before every task: plays a slower engine." },
    { .key = "data_dir", .id = 'D', .option = "--data-dir",
      .env = "PIPAR_DATA_DIR", .def = "data", .example = "/home/pi/data",
      .doc = "Where pairs_local tasks (pi-pairs --data local) find this\n"
             "engine's own copy of the digits; relative to where the\n"
             "engine started.  With data_file and no data directory set\n"
             "anywhere, data_file's folder." },
    { .key = "cc", .id = 'C', .option = "--cc", .def = "cc",
      .example = "gcc",
      .doc = "The C compiler that builds loaded modules." },
    { .key = "cache_dir", .id = 'K', .option = "--cache-dir",
      .unset = "$XDG_CACHE_HOME/pipar/modules or ~/.cache/pipar/modules",
      .example = "/home/pi/.cache/pipar/modules",
      .doc = "Where compiled modules are kept." },
    { .key = "modules_dir", .id = 'M', .option = "--modules-dir",
      .unset = "the profile's modules/ folder (\"\" here: none)",
      .example = "\"\"",
      .doc = "The modules loaded at start, as 'driver load' recorded\n"
             "them (NAME.c and NAME.name)." },
    { .key = "no_load", .id = 'N', .option = "--no-load", .def = "false",
      .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Refuse modules ('driver load', and load below)." },
    { .key = "allow_root_modules", .id = 'R',
      .option = "--allow-root-modules", .def = "false", .example = "true",
      .flags = PP_CONF_FLAG,
      .doc = "Load modules even when running as root." },
    { .key = "no_restart", .id = 'S', .option = "--no-restart",
      .def = "false", .example = "true", .flags = PP_CONF_FLAG,
      .doc = "Do not restart a worker that a workload killed." },
    { .key = "load", .id = ENG_KEY_LOAD, .unset = "none",
      .example = "/home/pi/pipar/sq.c, /home/pi/pipar/count.c",
      .flags = PP_CONF_LIST,
      .doc = "Startup step: modules (C sources, separated by commas) the\n"
             "engine compiles (or finds in its cache) and loads before it\n"
             "registers, as 'driver load' would.  One that fails stops the\n"
             "engine with an error naming this line." },
    { .key = "data_file", .id = ENG_KEY_DATA_FILE, .unset = "none",
      .example = "/home/pi/pipar/data/pi-150000000.txt",
      .doc = "Startup step: digits of pi checked once against the\n"
             "FILE.sha256 beside them and kept open, so pi-pairs --data\n"
             "local tasks start at once.  A missing file or a wrong hash\n"
             "stops the engine with an error naming this line." },
};

const pp_conf_table eng_conf_table = {
    .program = "engine",
    .file = "engine.conf",
    .about = "Read by 'engine --profile NAME', and by an engine whose "
             "--file is the profile's\n# security/engine.json (as 'driver "
             "cluster start' runs them).",
    .keys = keys,
    .nkeys = sizeof keys / sizeof keys[0],
    .apply = eng_opts_apply,
    .opts_size = sizeof(eng_opts),
};
