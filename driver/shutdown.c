/* shutdown.c - `driver cluster shutdown`: engines stopped through the
 * controller (ipyparallel's Client.shutdown), wherever they run: the ones
 * started by hand on other Pis too, which `cluster stop` (by PID) cannot
 * reach; with --controller, the controller as well. */
#include <getopt.h>
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"

#define MAX_NAMED 1024

/* "0,2,5" into ids; a bad or repeated one is an error naming it. */
static int parse_engines(const char *s, int64_t *ids, size_t *n,
                         pp_error *err)
{
    char buf[4096];
    if (strlen(s) >= sizeof buf || !*s)
        return pp_error_set(err, PP_EINVAL,
                            "--engines: '%.40s' is not a list of engine ids "
                            "such as 0,2",
                            s);
    snprintf(buf, sizeof buf, "%s", s);
    *n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int64_t id;
        int rc = pp_parse_i64("--engines", tok, 0, INT32_MAX, &id, err);
        if (rc)
            return rc;
        for (size_t k = 0; k < *n; k++)
            if (ids[k] == id)
                return pp_error_set(err, PP_EINVAL,
                                    "--engines: engine %lld is named twice",
                                    (long long)id);
        if (*n == MAX_NAMED)
            return pp_error_set(err, PP_EINVAL,
                                "--engines: more than %d engines",
                                MAX_NAMED);
        ids[(*n)++] = id;
    }
    return 0;
}

int cli_cluster_shutdown(const cli_opts *o, int argc, char **argv)
{
    static int64_t ids[MAX_NAMED];
    size_t n = 0;
    bool some = false, controller = false;
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "engines", required_argument, NULL, 'e' },
        { "controller", no_argument, NULL, 'c' },
        { 0, 0, 0, 0 },
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 'e') {
            rc = parse_engines(optarg, ids, &n, &err);
            some = true;
        } else if (c == 'c') {
            controller = true;
        } else {
            rc = pp_error_set(&err, PP_EINVAL,
                              "cluster shutdown: unknown or incomplete "
                              "option '%s'",
                              argv[optind - 1]);
        }
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "driver: cluster shutdown: unexpected argument "
                        "'%s'\n",
                argv[optind]);
        return CLI_USAGE;
    }
    char path[PP_PATH_MAX];
    const char *file = cli_client_json(o, path, &err);
    if (!file) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_USAGE;
    }
    pp_client *cl = pp_client_connect(file, o->timeout_s, &err);
    size_t told = 0;
    if (cl)
        pp_client_set_patience(cl, o->timeout_s);
    if (!cl
        || pp_client_shutdown(cl, some ? ids : NULL, n, controller, &told,
                              &err)) {
        pp_client_destroy(&cl);
        fprintf(stderr, "driver: cluster shutdown: %s\n", err.msg);
        return CLI_FAIL;
    }
    pp_client_destroy(&cl);
    printf("%zu engine%s told to stop (each finishes the tasks it holds)%s\n",
           told, told == 1 ? "" : "s",
           controller ? "; the controller stops once they have gone" : "");
    return CLI_OK;
}
