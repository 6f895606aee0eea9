/* cmd_pi.c - `driver pi`: the digits of pi, from the cache or computed on
 * the cluster (or in this process), stored in the cache. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "digits.h"
#include "files.h"
#include "pi.h"
#include "pi_run.h"
#include "wire.h"

int cli_check_memory(uint64_t digits, bool local, pp_error *err)
{
    /* On the cluster the driver keeps the two sides of the series, the
     * square root and the division's results until the conversion is
     * done, then the digits twice: 246 MB at 5e7 digits, 764 MB at
     * 1.5e8 (measured). */
    uint64_t need = local ? pp_pi_memory_estimate(digits)
                          : 5 * digits + digits / 2 + (64u << 20);
    uint64_t have = pp_memory_available();
    if (have && need > have)
        return pp_error_set(err, PP_ENOMEM,
                            "pi: %" PRIu64 " digits need about %.2f GB of "
                            "memory%s; this machine has %.2f GB available",
                            digits, (double)need / 1e9,
                            local ? "" : " in the driver",
                            (double)have / 1e9);
    return 0;
}

int cli_ensure_digits(const cli_opts *o, cli_session *s, uint64_t n,
                      const char *dir, unsigned leaves, bool local,
                      pp_digits **d, pp_error *err)
{
    int rc = pp_digits_open(dir, n, d, err);
    if (rc != PP_ENOENT)
        return rc;
    (void)o;
    fprintf(stderr, "driver: %s; computing %" PRIu64 " digits of pi\n",
            err->msg, n);
    /* Before the work, not after it: minutes of digits must not be lost
     * to a directory that cannot be made. */
    if ((rc = pp_mkdirs(dir, 0755, err)))
        return rc;
    if ((rc = cli_check_memory(n, local, err)))
        return rc;
    char *digits = NULL;
    pp_pi_run_stats st;
    pp_pi_run_opts po = { .digits = n, .leaves = leaves,
                          .progress = stderr };
    int64_t t0 = pp_mono_ns();
    rc = pp_pi_run(local ? NULL : s->client, &po, &digits, &st, err);
    if (rc)
        return rc;
    fprintf(stderr, "pi: %" PRIu64 " digits in %.2f s\n", n,
            (double)(pp_mono_ns() - t0) / 1e9);
    rc = pp_digits_store(dir, digits, n, err);
    free(digits);
    if (!rc)
        rc = pp_digits_open(dir, n, d, err);
    return rc;
}

int cli_pi(const cli_opts *o, int argc, char **argv)
{
    uint64_t digits = 0;
    int64_t leaves = 0;
    bool local = false, print = false;
    const char *dir = "data";
    pp_error err = { 0 };
    static const struct option opts[] = {
        { "digits", required_argument, NULL, 'd' },
        { "leaves", required_argument, NULL, 'l' },
        { "local", no_argument, NULL, 'L' },
        { "print", no_argument, NULL, 'p' },
        { "data-dir", required_argument, NULL, 'D' },
        { 0, 0, 0, 0 },
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        int rc = 0;
        if (c == 'd')
            rc = pp_parse_digits("--digits", optarg, &digits, &err);
        else if (c == 'l')
            rc = pp_parse_i64("--leaves", optarg, 1, 100000, &leaves, &err);
        else if (c == 'L')
            local = true;
        else if (c == 'p')
            print = true;
        else if (c == 'D')
            dir = optarg;
        else
            rc = pp_error_set(&err, PP_EINVAL,
                              "pi: unknown or incomplete option '%s'",
                              argv[optind - 1]);
        if (rc) {
            fprintf(stderr, "driver: %s\n", err.msg);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "driver: pi: unexpected argument '%s'\n",
                argv[optind]);
        return CLI_USAGE;
    }
    if (!digits) {
        fprintf(stderr, "driver: pi: --digits N is required (e.g. "
                        "--digits 1e6)\n");
        return CLI_USAGE;
    }
    if (leaves && (uint64_t)leaves > pp_pi_terms(digits)) {
        fprintf(stderr,
                "driver: --leaves: %lld leaves for %" PRIu64
                " terms of the series; at most one leaf a term\n",
                (long long)leaves, pp_pi_terms(digits));
        return CLI_USAGE;
    }
    /* Refuse what cannot fit before starting anything. */
    if (cli_check_memory(digits, true, &err) && local) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (!local && cli_check_memory(digits, false, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    cli_session s = { 0 };
    int rc = 0;
    pp_digits *d = NULL;
    if (pp_digits_open(dir, digits, &d, &err) != 0) {
        if (!local) {
            rc = cli_open(o, &s, &err);
            /* One engine is no cluster: the same code in this process;
             * but a timeline (PIPAR_PI_TIMELINE) is of a cluster run,
             * one engine's too, for bench/pi_plan. */
            int64_t *ids = NULL;
            size_t n = 0;
            if (!rc && pp_client_ids(s.client, &ids, &n, &err) == 0 && n < 2
                && !getenv("PIPAR_PI_TIMELINE"))
                local = true;
            free(ids);
        }
        if (!rc)
            rc = cli_ensure_digits(o, &s, digits, dir, (unsigned)leaves,
                                   local, &d, &err);
    }
    if (rc) {
        cli_close(&s);
        fprintf(stderr, "driver: %s\n", err.msg);
        return cli_interrupted ? CLI_INTERRUPTED : CLI_FAIL;
    }
    const char *text = pp_digits_data(d);
    if (print) {
        fwrite(text, 1, (size_t)digits, stdout);
        putchar('\n');
    } else {
        uint64_t head = digits < 50 ? digits : 50;
        printf("%.*s%s\n", (int)head, text, digits > head ? "..." : "");
        printf("%" PRIu64 " digits of pi in %s (sha256 of the file %s)\n",
               digits, pp_digits_path(d), pp_digits_file_sha256(d));
    }
    pp_digits_close(&d);
    cli_close(&s);
    return CLI_OK;
}
