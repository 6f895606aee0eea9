/* cmd_basic.c - the article's first commands: ids, hello, powers (by
 * scatter/execute/gather or a balanced map), apply, gather, workloads. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "log.h"
#include "pipar/view.h"
#include "repr.h"
#include "wire.h"
#include "wlist.h"


static int fail(cli_session *s, const pp_error *err)
{
    cli_close(s);
    if (err->code == PP_EINTR || cli_interrupted) {
        fprintf(stderr, "driver: interrupted\n");
        return CLI_INTERRUPTED;
    }
    fprintf(stderr, "driver: %s\n", err->msg);
    return CLI_FAIL;
}

/* Commands that take no options of their own. */
int cli_no_more_args(const char *cmd, int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "driver: %s: unexpected argument '%s'\n", cmd,
                argv[1]);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* An argument from the command line as a value: a whole number is an
 * i64, another finite number an f64, anything else a str.  A whole number
 * beyond the i64 range is refused, not clamped. */
static int parse_arg(const char *s, pp_value *v, pp_error *err)
{
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*s && !*end) {
        if (errno == ERANGE)
            return pp_error_set(err, PP_EINVAL,
                                "apply: %s does not fit in a 64-bit "
                                "integer",
                                s);
        return pp_value_i64(v, (const int64_t[]){ i }, 1);
    }
    double d = strtod(s, &end);
    if (*s && !*end && isfinite(d))
        return pp_value_f64(v, &d, 1);
    return pp_value_str(v, s);
}

static void print_results(pp_async *a)
{
    putchar('[');
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error ignored;
        if (i)
            fputs(", ", stdout);
        if (pp_async_result(a, i, &vals, &ignored) || vals->n == 0)
            fputs("None", stdout);
        else if (vals->n == 1)
            pp_repr_value(stdout, &vals->v[0]);
        else {
            putchar('(');
            for (size_t k = 0; k < vals->n; k++) {
                if (k)
                    fputs(", ", stdout);
                pp_repr_value(stdout, &vals->v[k]);
            }
            putchar(')');
        }
    }
    puts("]");
}

/* After an apply on every engine failed on some of them: the results of
 * the others still print (None where an engine failed), then one line for
 * each engine that failed, and the command fails.  *a_p is destroyed
 * before the session it belongs to is closed. */
static int print_partial(cli_session *s, pp_async **a_p, const pp_error *err)
{
    pp_async *a = *a_p;
    pp_async_timing t;
    if (a)
        pp_async_timing_get(a, &t);
    /* Nothing came back (a bad workload name, the controller gone): one
     * line says why. */
    if (err->code != PP_EREMOTE || !a || !pp_async_ready(a)
        || t.failed == t.done) {
        pp_async_destroy(a_p);
        return fail(s, err);
    }
    print_results(a);
    fflush(stdout);
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error e;
        if (pp_async_result(a, i, &vals, &e))
            fprintf(stderr, "driver: %s\n", e.msg);
    }
    pp_async_destroy(a_p);
    cli_close(s);
    return CLI_FAIL;
}

/* The end of a command that prints one value: print, free, disconnect. */
static int print_and_close(cli_session *s, pp_value *y)
{
    pp_repr_value(stdout, y);
    putchar('\n');
    pp_value_free(y);
    cli_close(s);
    return CLI_OK;
}

int cli_ids(const cli_opts *o)
{
    cli_session s;
    pp_error err = { 0 };
    int64_t *ids = NULL;
    size_t n = 0;
    if (cli_open(o, &s, &err) || pp_client_ids(s.client, &ids, &n, &err))
        return fail(&s, &err);
    pp_repr_i64s(stdout, ids, n);
    putchar('\n');
    free(ids);
    cli_close(&s);
    return CLI_OK;
}

/* Opens the session, a direct view of every engine (*v, the caller's to
 * destroy) and applies workload there, each task limited to time_limit_s
 * (0: no limit); *a holds what came back, even when some engines
 * failed. */
static int apply_everywhere(const cli_opts *o, cli_session *s, pp_view **v,
                            const char *workload, const pp_value *args,
                            size_t nargs, double time_limit_s, pp_async **a,
                            pp_error *err)
{
    *v = NULL;
    int rc = cli_open(o, s, err);
    if (!rc && !(*v = pp_client_direct(s->client, NULL, 0, err)))
        rc = err->code;
    pp_task_opts flags = { .time_limit_s = time_limit_s };
    if (!rc && time_limit_s > 0)
        rc = pp_view_set_flags(*v, &flags, err);
    if (!rc)
        rc = pp_view_apply(*v, workload, args, nargs, a, err);
    return rc;
}

int cli_hello(const cli_opts *o)
{
    cli_session s;
    pp_error err = { 0 };
    pp_view *v = NULL;
    pp_async *a = NULL;
    if (apply_everywhere(o, &s, &v, "hello", NULL, 0, 0, &a, &err)) {
        pp_view_destroy(&v);
        return print_partial(&s, &a, &err);
    }
    print_results(a);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
    cli_close(&s);
    return CLI_OK;
}

/* The article's powers: by scatter / execute / gather on the direct view,
 * or by a map on the load-balanced view. */
int cli_powers(const cli_opts *o, int argc, char **argv)
{
    int64_t n = 64, exponent = 10, chunksize = 1, retries = 0;
    bool balanced = false;
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "n", required_argument, NULL, 'n' },
        { "exponent", required_argument, NULL, 'e' },
        { "view", required_argument, NULL, 'v' },
        { "chunksize", required_argument, NULL, 'c' },
        { "retries", required_argument, NULL, 'r' },
        { 0, 0, 0, 0 },
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 'n')
            rc = pp_parse_i64("--n", optarg, 0, 100000000, &n, &err);
        else if (c == 'e')
            rc = pp_parse_i64("--exponent", optarg, 0, 1000, &exponent,
                              &err);
        else if (c == 'c')
            rc = pp_parse_i64("--chunksize", optarg, 1, 100000000,
                              &chunksize, &err);
        else if (c == 'r')
            rc = pp_parse_i64("--retries", optarg, 0, 100, &retries, &err);
        else if (c == 'v')
            rc = cli_parse_view(optarg, &balanced, &err);
        else
            rc = pp_error_set(&err, PP_EINVAL,
                              "powers: unknown or incomplete option '%s'",
                              argv[optind - 1]);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (optind < argc)
        return cli_no_more_args("powers", argc - optind + 1,
                            argv + optind - 1);

    int64_t *x = malloc((size_t)n * sizeof *x + 1);
    if (!x) {
        fprintf(stderr, "driver: powers: no memory for %lld items\n",
                (long long)n);
        return CLI_FAIL;
    }
    for (int64_t i = 0; i < n; i++)
        x[i] = i;
    pp_value seq, e, y = { 0 };
    pp_value_take(&seq, PP_T_I64, x, (size_t)n * sizeof *x);
    pp_value_borrow(&e, PP_T_I64, &exponent, sizeof exponent);

    cli_session s;
    pp_view *v = NULL;
    int rc = cli_open(o, &s, &err);
    if (!rc) {
        v = balanced ? pp_client_balanced(s.client, &err)
                     : pp_client_direct(s.client, NULL, 0, &err);
        if (!v)
            rc = err.code;
    }
    if (!rc && balanced) {
        pp_task_opts flags = { .retries = (int)retries };
        pp_async *a = NULL;
        rc = pp_view_set_flags(v, &flags, &err);
        if (!rc && !(a = pp_view_map_async(v, "powers", &seq,
                                           (size_t)chunksize, &e, 1, &err))
            && err.code)
            rc = err.code;
        if (!rc && a)
            rc = pp_async_wait_interactive(a, stderr, 5, &err);
        if (!rc && a)
            rc = pp_async_gather(a, &y, &err);
        else if (!rc)
            pp_value_take(&y, PP_T_I64, malloc(1), 0);
        pp_async_destroy(&a);
    } else if (!rc) {
        size_t nt;
        const int64_t *targets = pp_view_targets(v, &nt);
        fputs("Parallel execution on engines: ", stderr);
        pp_repr_i64s(stderr, targets, nt);
        fputc('\n', stderr);
        rc = pp_view_scatter(v, "x", &seq, &err);
        if (!rc)
            rc = pp_view_execute(v, "powers", "x", "y", &e, 1, &err);
        if (!rc)
            rc = pp_view_gather(v, "y", &y, &err);
    }
    pp_value_free(&seq);
    pp_view_destroy(&v);
    if (rc)
        return fail(&s, &err);
    return print_and_close(&s, &y);
}

/* driver apply [--time-limit S] WORKLOAD [ARG...]:
 * c[:].apply_sync(workload, *args).  Options come before the workload,
 * so that arguments like -5 stay arguments. */
int cli_apply(const cli_opts *o, int argc, char **argv)
{
    double time_limit_s = 0;
    while (argc >= 2 && strncmp(argv[1], "--", 2) == 0) {
        pp_error perr = { 0 };
        const char *val = NULL;
        if (strncmp(argv[1], "--time-limit=", 13) == 0)
            val = argv[1] + 13;
        else if (strcmp(argv[1], "--time-limit") == 0 && argc >= 3) {
            val = argv[2];
            argc--;
            argv++;
        }
        if (!val) {
            fprintf(stderr, "driver: apply: unknown or incomplete option "
                            "'%s'\n", argv[1]);
            return CLI_USAGE;
        }
        if (pp_parse_seconds("--time-limit", val, 0.001,
                             PP_TASK_TIMEOUT_MAX_S, &time_limit_s, &perr)) {
            fprintf(stderr, "driver: apply: %s\n", perr.msg);
            return CLI_USAGE;
        }
        argc--;
        argv++;
    }
    if (argc < 2) {
        fprintf(stderr, "driver: apply needs a workload name (see 'driver "
                        "workloads')\n");
        return CLI_USAGE;
    }
    if (argc - 2 > PP_MAX_VALUES) {
        fprintf(stderr, "driver: apply: at most %d arguments\n",
                PP_MAX_VALUES);
        return CLI_USAGE;
    }
    pp_values args = { 0 };
    for (int i = 2; i < argc; i++) {
        pp_value v;
        pp_error perr = { .msg = "apply: out of memory" };
        int rc = parse_arg(argv[i], &v, &perr);
        if (rc == 0 && pp_values_push(&args, &v))
            rc = PP_ENOMEM;
        if (rc) {
            pp_values_free(&args);
            fprintf(stderr, "driver: %s\n", perr.msg);
            return rc == PP_EINVAL ? CLI_USAGE : CLI_FAIL;
        }
    }
    cli_session s;
    pp_error err = { 0 };
    pp_view *v = NULL;
    pp_async *a = NULL;
    int rc = apply_everywhere(o, &s, &v, argv[1], args.v, args.n, time_limit_s,
                              &a, &err);
    pp_values_free(&args);
    pp_view_destroy(&v);
    if (rc)
        return print_partial(&s, &a, &err);
    print_results(a);
    pp_async_destroy(&a);
    cli_close(&s);
    return CLI_OK;
}

/* driver gather NAME: dview.gather(name) */
int cli_gather(const cli_opts *o, int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "driver: gather needs one variable name\n");
        return CLI_USAGE;
    }
    cli_session s;
    pp_error err = { 0 };
    pp_view *v = NULL;
    pp_value y = { 0 };
    int rc = cli_open(o, &s, &err);
    if (!rc && !(v = pp_client_direct(s.client, NULL, 0, &err)))
        rc = err.code;
    if (!rc)
        rc = pp_view_gather(v, argv[1], &y, &err);
    pp_view_destroy(&v);
    if (rc)
        return fail(&s, &err);
    return print_and_close(&s, &y);
}

/* driver workloads: what the engines report they can run (the
 * `workloads` workload on every engine), not the driver's own table: the
 * union, with the engines that lack a workload named after it.  An engine
 * that cannot tell (older than the `workloads` workload) is named on
 * stderr, and the command fails after printing the others' table. */
int cli_workloads(const cli_opts *o)
{
    cli_session s;
    pp_error err = { 0 };
    pp_view *v = NULL;
    pp_async *a = NULL;
    int rc = apply_everywhere(o, &s, &v, "workloads", NULL, 0, 0, &a, &err);
    if (rc && (!a || !pp_async_ready(a))) {
        pp_view_destroy(&v);
        pp_async_destroy(&a);
        return fail(&s, &err);
    }
    size_t nt, n = 0;
    const int64_t *ids = pp_view_targets(v, &nt);
    pp_wlist_engine *got = calloc(nt ? nt : 1, sizeof *got);
    char (*why)[sizeof err.msg + 64] = calloc(nt ? nt : 1, sizeof *why);
    size_t nwhy = 0;
    if (!got || !why) {
        free(got);
        free(why);
        pp_view_destroy(&v);
        pp_async_destroy(&a);
        pp_error_set(&err, PP_ENOMEM, "workloads: out of memory");
        return fail(&s, &err);
    }
    for (size_t i = 0; i < nt && i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error e;
        if (pp_async_result(a, i, &vals, &e))
            snprintf(why[nwhy++], sizeof why[0],
                     "%s (its workloads are not listed)", e.msg);
        else if (vals->n != 1 || vals->v[0].type != PP_T_STR)
            snprintf(why[nwhy++], sizeof why[0],
                     "engine %" PRId64 ": its list of workloads is not "
                     "text",
                     ids[i]);
        else
            got[n++] = (pp_wlist_engine){ ids[i], vals->v[0].data,
                                          vals->v[0].size };
    }
    fputs("Workloads of engines ", stderr);
    pp_repr_i64s(stderr, ids, nt);
    fputs(":\n", stderr);
    rc = n ? pp_wlist_print(stdout, got, n, &err)
           : pp_error_set(&err, PP_EREMOTE, "%s", why[0]);
    fflush(stdout);
    for (size_t i = 0; rc == 0 && i < nwhy; i++)
        fprintf(stderr, "driver: %s\n", why[i]);
    free(got);
    free(why);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
    if (rc)
        return fail(&s, &err);
    cli_close(&s);
    return nwhy ? CLI_FAIL : CLI_OK;
}
