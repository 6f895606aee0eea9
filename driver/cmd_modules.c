/* cmd_modules.c - `driver load`, `driver unload` and `driver map`: the
 * student's loop of sending a C file to the engines, running it over a
 * range, and reading the speedup. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cli.h"
#include "pipar/module.h"
#include "pipar/view.h"
#include "repr.h"

#define SOURCE_MAX PP_MODULE_SOURCE_MAX

/* The module's name: the file's base name without ".c". */
int cli_module_name(const char *arg, char name[CLI_MODULE_NAME_MAX + 1],
                    pp_error *err)
{
    return pp_module_name(arg, name, err);
}

/* The profile's modules/ folder, beside security/ (where the engines of
 * this machine look at start); NULL when --file names a connection file
 * outside a profile. */
static const char *modules_dir(const cli_opts *o, char out[PP_PATH_MAX],
                               pp_error *err)
{
    char json[PP_PATH_MAX];
    const char *file = cli_client_json(o, json, err);
    if (!file)
        return NULL;
    snprintf(out, PP_PATH_MAX, "%s", file);
    char *slash = strrchr(out, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    slash = strrchr(out, '/');
    if (strcmp(slash ? slash + 1 : out, "security") != 0)
        return NULL;
    if (slash)
        *slash = '\0';
    size_t n = strlen(out);
    if (n + 9 >= PP_PATH_MAX)
        return NULL;
    memcpy(out + n, slash ? "/modules" : "modules", 9);
    return out;
}

/* Writes NAME.name then NAME.c into the profile's modules/ folder, each
 * to a temporary name renamed into place. */
static int record(const char *dir, const char *name, const char *display,
                  const char *src, size_t len, pp_error *err)
{
    char path[PP_PATH_MAX + 64];
    int rc = pp_mkdirs(dir, 0700, err);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "%s/%s.name", dir, name);
    if ((rc = pp_file_write_atomic(path, display, strlen(display), 0600,
                                   err)))
        return rc;
    snprintf(path, sizeof path, "%s/%s.c", dir, name);
    return pp_file_write_atomic(path, src, len, 0600, err);
}

static bool forget(const char *dir, const char *name)
{
    char path[PP_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.c", dir, name);
    bool had = unlink(path) == 0;
    snprintf(path, sizeof path, "%s/%s.name", dir, name);
    unlink(path);
    return had;
}

/* Modules go to a running cluster: an embedded one would take them with
 * it when the command ends. */
static bool refuse_embed(const cli_opts *o, const char *cmd)
{
    if (o->embed)
        fprintf(stderr,
                "driver: %s: --embed: a module loaded on a cluster that "
                "stops after the command would be gone; start one with "
                "'driver cluster start'\n",
                cmd);
    return o->embed;
}

static int session_open(const cli_opts *o, const char *cmd, cli_session *s,
                        pp_error *err)
{
    (void)cmd;
    cli_opts own = *o;
    own.no_embed = true;
    return cli_open(&own, s, err);
}

static const char *str_of(const pp_values *vals, size_t i, char *buf,
                          size_t size)
{
    if (i >= vals->n || vals->v[i].type != PP_T_STR)
        return "";
    snprintf(buf, size, "%.*s", (int)vals->v[i].size,
             (const char *)vals->v[i].data);
    return buf;
}

int cli_module_read(const char *file, char **src, size_t *len,
                    pp_error *err)
{
    struct stat st;
    if (stat(file, &st) || !S_ISREG(st.st_mode))
        return pp_error_set(err, PP_EIO, "cannot read %s: %s", file,
                            errno ? strerror(errno) : "not a file");
    if (st.st_size > SOURCE_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "%s is %lld bytes; a module may have at most %d",
                            file, (long long)st.st_size, SOURCE_MAX);
    return pp_file_read(file, src, len, SOURCE_MAX, err);
}

/* pp_view_load_module, with the compiler's messages on stderr under each
 * engine's name and the report lines the driver prints. */
int cli_module_load(pp_view *v, const char *name, const char *file,
                    const char *src, size_t len, cli_loaded *r,
                    pp_error *err)
{
    memset(r, 0, sizeof *r);
    pp_module_report *rep = NULL;
    int rc = pp_view_load_module(v, name, file, src, len, &rep, err);
    for (size_t i = 0; rep && i < rep->n; i++) {
        const pp_module_engine *e = &rep->engines[i];
        size_t n = strlen(r->report);
        switch (e->state) {
        case PP_MODULE_FAILED:
            /* The compiler's own file:line:column messages, as it wrote
             * them, under the engine's name. */
            fprintf(stderr, "engine %" PRId64 ": %s did not compile:\n",
                    e->engine, file);
            if (e->messages && *e->messages) {
                fputs(e->messages, stderr);
                if (e->messages[strlen(e->messages) - 1] != '\n')
                    fputc('\n', stderr);
            }
            r->compile_failed = true;
            break;
        case PP_MODULE_COMPILED:
            snprintf(r->report + n, sizeof r->report - n,
                     "engine %" PRId64 ": compiled %s in %.2f s\n",
                     e->engine, file, e->compile_s);
            break;
        case PP_MODULE_CACHED:
            snprintf(r->report + n, sizeof r->report - n,
                     "engine %" PRId64 ": cache hit for %s\n", e->engine,
                     file);
            break;
        case PP_MODULE_UNCHANGED:
            snprintf(r->report + n, sizeof r->report - n,
                     "engine %" PRId64 ": cache hit: %s is loaded "
                     "already\n",
                     e->engine, file);
            break;
        case PP_MODULE_NO_ANSWER:
            /* On a load that stands: an engine gone since it prepared. */
            if (rc == 0)
                fprintf(stderr,
                        "driver: load: engine %" PRId64 " went away before "
                        "it took the module (%s)\n",
                        e->engine, e->messages ? e->messages : "");
            continue;
        }
        if (e->state != PP_MODULE_FAILED
            && r->ntook < sizeof r->took / sizeof r->took[0])
            r->took[r->ntook++] = e->engine;
    }
    if (rep) {
        snprintf(r->names, sizeof r->names, "%s",
                 rep->workloads ? rep->workloads : "");
        r->unchanged = rep->unchanged;
        r->replaced = rep->replaced;
    }
    pp_module_report_free(&rep);
    return rc;
}

/* driver load FILE.c: cli_module_load on every engine, then the record
 * in the profile for engines that start later. */
int cli_load(const cli_opts *o, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "driver: load needs one C file (driver load "
                        "FILE.c)\n");
        return CLI_USAGE;
    }
    const char *file = argv[1];
    char name[CLI_MODULE_NAME_MAX + 1];
    pp_error err = { 0 };
    if (refuse_embed(o, "load"))
        return CLI_USAGE;
    if (cli_module_name(file, name, &err)) {
        fprintf(stderr, "driver: load: %s\n", err.msg);
        return CLI_USAGE;
    }
    char *src = NULL;
    size_t len = 0;
    if (cli_module_read(file, &src, &len, &err)) {
        fprintf(stderr, "driver: load: %s\n", err.msg);
        return CLI_FAIL;
    }

    cli_session s;
    pp_view *v = NULL;
    cli_loaded r;
    int rc = session_open(o, "load", &s, &err);
    if (!rc && !(v = pp_client_direct(s.client, NULL, 0, &err)))
        rc = err.code;
    if (!rc)
        rc = cli_module_load(v, name, file, src, len, &r, &err);
    if (rc) {
        free(src);
        pp_view_destroy(&v);
        cli_close(&s);
        fprintf(stderr, "driver: %s\n", err.msg);
        return err.code == PP_EINTR ? CLI_INTERRUPTED : CLI_FAIL;
    }

    char dirbuf[PP_PATH_MAX];
    const char *dir = modules_dir(o, dirbuf, &err);
    int rec = dir ? record(dir, name, file, src, len, &err) : 0;
    free(src);
    fputs(r.report, stdout);
    printf("%s module '%s' (%s) on engines ", r.unchanged ? "kept"
                                              : r.replaced ? "replaced"
                                                           : "loaded",
           name, r.names);
    pp_repr_i64s(stdout, r.took, r.ntook);
    putchar('\n');
    pp_view_destroy(&v);
    cli_close(&s);
    if (rec) {
        fprintf(stderr,
                "driver: load: loaded, but engines that start later will "
                "not have it: %s\n",
                err.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* driver unload NAME: from every engine, and from the profile's record. */
int cli_unload(const cli_opts *o, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "driver: unload needs one module name (see 'driver "
                        "workloads')\n");
        return CLI_USAGE;
    }
    char name[CLI_MODULE_NAME_MAX + 1];
    pp_error err = { 0 };
    if (refuse_embed(o, "unload"))
        return CLI_USAGE;
    if (cli_module_name(argv[1], name, &err)) {
        fprintf(stderr, "driver: unload: %s\n", err.msg);
        return CLI_USAGE;
    }
    cli_session s;
    pp_view *v = NULL;
    pp_async *a = NULL;
    pp_value arg = { 0 };
    int rc = session_open(o, "unload", &s, &err);
    if (!rc && !(v = pp_client_direct(s.client, NULL, 0, &err)))
        rc = err.code;
    if (!rc && pp_value_str(&arg, name))
        rc = pp_error_set(&err, PP_ENOMEM, "unload: out of memory");
    if (!rc)
        rc = pp_view_apply(v, "unload", &arg, 1, &a, &err);
    pp_value_free(&arg);
    if (rc && (!a || !pp_async_ready(a))) {
        pp_async_destroy(&a);
        pp_view_destroy(&v);
        cli_close(&s);
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    size_t nt, nfrom = 0, nother = 0;
    const int64_t *ids = pp_view_targets(v, &nt);
    int64_t *from = calloc(nt ? nt : 1, sizeof *from);
    char names[1024] = "", other[600] = "";
    for (size_t i = 0; from && i < nt && i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error e;
        if (pp_async_result(a, i, &vals, &e) == 0) {
            str_of(vals, 0, names, sizeof names);
            from[nfrom++] = ids[i];
        } else if (!strstr(e.msg, "no module named") && !nother++) {
            snprintf(other, sizeof other, "%s", e.msg);
        }
    }
    pp_async_destroy(&a);
    char dirbuf[PP_PATH_MAX];
    const char *dir = modules_dir(o, dirbuf, &err);
    bool recorded = dir && forget(dir, name);
    rc = CLI_OK;
    if (nfrom) {
        for (char *c = names; *c; c++)
            if (*c == ',')
                *c = ' ';
        printf("unloaded module '%s' (%s) from engines ", name, names);
        pp_repr_i64s(stdout, from, nfrom);
        putchar('\n');
    } else if (recorded) {
        printf("unloaded module '%s' (no engine had it loaded)\n", name);
    } else {
        fprintf(stderr, "driver: unload: no engine has a module named "
                        "'%s'%s%s\n",
                name, nother ? "; " : "", other);
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && nother) {
        fprintf(stderr, "driver: unload: %s\n", other);
        rc = CLI_FAIL;
    }
    free(from);
    pp_view_destroy(&v);
    cli_close(&s);
    return rc;
}

/* Removes module `name` from every engine of v (those that lack it are
 * not an error) and from the profile's record. */
int cli_module_unload(const cli_opts *o, pp_view *v, const char *name,
                      pp_error *err)
{
    pp_value arg = { 0 };
    pp_async *a = NULL;
    int rc = pp_value_str(&arg, name)
                 ? pp_error_set(err, PP_ENOMEM, "unload: out of memory")
                 : pp_view_apply(v, "unload", &arg, 1, &a, err);
    pp_value_free(&arg);
    /* Engines that never had it answer "no module named": not an
     * error here. */
    if (rc && a && pp_async_ready(a)) {
        rc = 0;
        for (size_t i = 0; !rc && i < pp_async_len(a); i++) {
            const pp_values *vals;
            pp_error e;
            if (pp_async_result(a, i, &vals, &e)
                && !strstr(e.msg, "no module named")) {
                *err = e;
                rc = e.code ? e.code : PP_EREMOTE;
            }
        }
    }
    pp_async_destroy(&a);
    char dirbuf[PP_PATH_MAX];
    pp_error ignored;
    const char *dir = modules_dir(o, dirbuf, &ignored);
    if (dir)
        forget(dir, name);
    return rc;
}

/* The results of a map in order: one array when every task returned an
 * array of one type, else a list of what each task returned. */
static int map_print(pp_async *a, bool sum, pp_error *err)
{
    pp_value y = { 0 };
    int rc = pp_async_gather(a, &y, err);
    if (rc && sum) {
        pp_error_prefix(err, "map --sum: ");
        return rc;
    }
    if (rc) {
        fputc('[', stdout);
        for (size_t i = 0; i < pp_async_len(a); i++) {
            const pp_values *vals;
            if ((rc = pp_async_result(a, i, &vals, err)))
                return rc;
            fputs(i ? ", " : "", stdout);
            if (vals->n == 0)
                fputs("None", stdout);
            for (size_t k = 0; k < vals->n; k++) {
                fputs(k ? ", " : "", stdout);
                pp_repr_value(stdout, &vals->v[k]);
            }
        }
        fputs("]\n", stdout);
        return 0;
    }
    if (!sum) {
        pp_repr_value(stdout, &y);
        putchar('\n');
    } else if (y.type == PP_T_I64) {
        int64_t total = 0;
        for (size_t i = 0; i < pp_value_count(&y); i++)
            if (__builtin_add_overflow(total, pp_value_i64s(&y)[i], &total)) {
                pp_value_free(&y);
                return pp_error_set(err, PP_EOVERFLOW,
                                    "map --sum: the sum does not fit in "
                                    "int64");
            }
        printf("%" PRId64 "\n", total);
    } else {
        double total = 0;
        for (size_t i = 0; i < pp_value_count(&y); i++)
            total += pp_value_f64s(&y)[i];
        printf("%.17g\n", total);
    }
    pp_value_free(&y);
    return 0;
}

/* Parses A:B into [a, b). */
static int parse_range(const char *s, int64_t *a, int64_t *b, pp_error *err)
{
    const char *colon = strchr(s, ':');
    char first[32];
    if (!colon || (size_t)(colon - s) >= sizeof first)
        return pp_error_set(err, PP_EINVAL,
                            "--range: '%s' is not A:B (as 0:1000)", s);
    memcpy(first, s, (size_t)(colon - s));
    first[colon - s] = '\0';
    int rc = pp_parse_i64("--range", first, INT64_MIN / 2, INT64_MAX / 2, a,
                          err);
    if (!rc)
        rc = pp_parse_i64("--range", colon + 1, INT64_MIN / 2,
                          INT64_MAX / 2, b, err);
    if (rc)
        return rc;
    if (*b <= *a)
        return pp_error_set(err, PP_EINVAL,
                            "--range: %s is empty (B must be more than A)",
                            s);
    if (*b - *a > 100000000)
        return pp_error_set(err, PP_EINVAL,
                            "--range: %s has more than 100000000 items", s);
    return 0;
}

/* driver map NAME --range A:B [--chunksize C] [--view balanced|direct]
 * [--sum] [--retries R] [--time-limit S]: lview.map(f, range(A, B),
 * chunksize=C). */
int cli_map(const cli_opts *o, int argc, char **argv)
{
    int64_t a = 0, b = 0, chunksize = 1, retries = 0;
    double time_limit_s = 0;
    bool balanced = true, sum = false, have_range = false;
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "range", required_argument, NULL, 'r' },
        { "chunksize", required_argument, NULL, 'c' },
        { "view", required_argument, NULL, 'v' },
        { "sum", no_argument, NULL, 's' },
        { "retries", required_argument, NULL, 'R' },
        { "time-limit", required_argument, NULL, 'T' },
        { 0, 0, 0, 0 },
    };
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "driver: map needs a workload name (driver map NAME "
                        "--range A:B)\n");
        return CLI_USAGE;
    }
    const char *workload = argv[1];
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "+", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 'r') {
            rc = parse_range(optarg, &a, &b, &err);
            have_range = true;
        } else if (c == 'c')
            rc = pp_parse_i64("--chunksize", optarg, 1, 100000000,
                              &chunksize, &err);
        else if (c == 'R')
            rc = pp_parse_i64("--retries", optarg, 0, 100, &retries, &err);
        else if (c == 'T')
            rc = pp_parse_seconds("--time-limit", optarg, 0.001,
                                  PP_TASK_TIMEOUT_MAX_S, &time_limit_s,
                                  &err);
        else if (c == 's')
            sum = true;
        else if (c == 'v')
            rc = cli_parse_view(optarg, &balanced, &err);
        else
            rc = pp_error_set(&err, PP_EINVAL,
                              "map: unknown or incomplete option '%s'",
                              argv[optind]);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "driver: map: unexpected argument '%s'\n",
                argv[optind + 1]);
        return CLI_USAGE;
    }
    if (!have_range) {
        fprintf(stderr, "driver: map needs --range A:B\n");
        return CLI_USAGE;
    }
    size_t n = (size_t)(b - a);
    int64_t *x = malloc(n * sizeof *x);
    if (!x) {
        fprintf(stderr, "driver: map: no memory for %zu items\n", n);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        x[i] = a + (int64_t)i;
    pp_value seq;
    pp_value_take(&seq, PP_T_I64, x, n * sizeof *x);

    cli_session s;
    pp_view *v = NULL;
    pp_async *as = NULL;
    int rc = cli_open(o, &s, &err);
    if (!rc && !(v = balanced ? pp_client_balanced(s.client, &err)
                              : pp_client_direct(s.client, NULL, 0, &err)))
        rc = err.code;
    pp_task_opts flags = { .retries = (int)retries,
                           .time_limit_s = time_limit_s };
    if (!rc)
        rc = pp_view_set_flags(v, &flags, &err);
    if (!rc && !(as = pp_view_map_async(v, workload, &seq,
                                        (size_t)chunksize, NULL, 0, &err)))
        rc = err.code ? err.code : PP_EINVAL;
    pp_value_free(&seq);
    if (!rc)
        rc = pp_async_wait_interactive(as, stderr, 5, &err);
    if (!rc)
        rc = pp_async_first_error(as, &err);
    if (!rc)
        rc = map_print(as, sum, &err);
    if (!rc) {
        fflush(stdout);
        pp_async_timing t;
        pp_async_timing_get(as, &t);
        fprintf(stderr,
                "map %s over [%" PRId64 ", %" PRId64 "): %zu task%s on the "
                "%s view: wall %.3f s, serial %.3f s, speedup %.2f\n",
                workload, a, b, pp_async_len(as),
                pp_async_len(as) == 1 ? "" : "s",
                balanced ? "balanced" : "direct", t.wall, t.serial,
                t.wall > 0 ? t.serial / t.wall : 0);
    }
    pp_async_destroy(&as);
    pp_view_destroy(&v);
    cli_close(&s);
    if (rc) {
        if (rc == PP_EINTR || cli_interrupted) {
            fprintf(stderr, "driver: interrupted\n");
            return CLI_INTERRUPTED;
        }
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}
