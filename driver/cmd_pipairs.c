/* cmd_pipairs.c - `driver pi-pairs`: the article's headline workload.  The
 * digits (cached, or computed on the cluster) are cut into chunks that
 * overlap by one digit, counted on the engines, summed, reported, saved and
 * drawn. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "digits.h"
#include "pairs.h"
#include "pairs_report.h"
#include "pi.h"
#include "pipar/view.h"
#include "wire.h"

typedef struct pairs_opts {
    uint64_t digits;
    int64_t chunksize;    /* chunks per task (ipyparallel's map chunksize) */
    int64_t chunk_digits; /* digits per chunk */
    int64_t chunks;       /* or: how many chunks */
    bool balanced;
    bool ship;            /* the digits travel with the tasks */
    int64_t retries;
    const char *data_dir;
    const char *results_dir;
    int scaling[16];
    int nscaling;
} pairs_opts;

/* One count over the digits: the tasks, their results, and the sum. */
typedef struct count_run {
    pp_async *a;
    uint64_t counts[100];
    double seconds; /* first task sent -> counts summed */
    size_t ntasks;
    uint64_t *first_chunk; /* per task */
    uint64_t *nchunks;
} count_run;

static void count_run_free(count_run *r)
{
    pp_async_destroy(&r->a);
    free(r->first_chunk);
    free(r->nchunks);
    memset(r, 0, sizeof *r);
}

/* The task for chunks [first, first + n): one contiguous range of digits,
 * the last chunk's extra digit included. */
static int submit_range(pp_view *v, pp_async **a, pp_digits *d,
                        const pairs_opts *o, uint64_t chunk, uint64_t first,
                        uint64_t n, pp_error *err)
{
    uint64_t off, len, last_off, last_len;
    pp_pairs_chunk(o->digits, chunk, (size_t)first, &off, &len);
    pp_pairs_chunk(o->digits, chunk, (size_t)(first + n - 1), &last_off,
                   &last_len);
    len = last_off + last_len - off;
    if (o->ship) {
        pp_value slice;
        int rc = pp_digits_slice(d, off, len, &slice, err);
        return rc ? rc : pp_view_submit(v, a, "pairs", &slice, 1, err);
    }
    const char *path = pp_digits_path(d);
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int64_t range[2] = { (int64_t)off, (int64_t)len };
    pp_value vals[3];
    pp_value_borrow(&vals[0], PP_T_STR, name, strlen(name));
    pp_value_borrow(&vals[1], PP_T_STR, pp_digits_file_sha256(d), 64);
    pp_value_borrow(&vals[2], PP_T_I64, range, sizeof range);
    return pp_view_submit(v, a, "pairs_local", vals, 3, err);
}

/* Counts on `view`: balanced, tasks of chunksize chunks; direct, one
 * contiguous block of chunks per engine. */
static int count_pairs(pp_view *v, size_t nengines, pp_digits *d,
                       const pairs_opts *o, uint64_t chunk, bool progress,
                       count_run *r, pp_error *err)
{
    memset(r, 0, sizeof *r);
    size_t nchunks = pp_pairs_chunks(o->digits, (uint64_t)chunk);
    size_t per = o->balanced ? (size_t)o->chunksize : 0;
    r->ntasks = o->balanced ? (nchunks + per - 1) / per
                            : (nchunks < nengines ? nchunks : nengines);
    r->first_chunk = calloc(r->ntasks + 1, sizeof *r->first_chunk);
    r->nchunks = calloc(r->ntasks + 1, sizeof *r->nchunks);
    if (!r->first_chunk || !r->nchunks)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_task_opts flags = { .retries = (int)o->retries };
    int rc = pp_view_set_flags(v, &flags, err);
    int64_t t0 = pp_mono_ns();
    for (size_t t = 0; !rc && t < r->ntasks; t++) {
        size_t lo, hi;
        if (o->balanced) {
            lo = t * per;
            hi = lo + per < nchunks ? lo + per : nchunks;
        } else {
            /* The blocks scatter would make: contiguous, in id order. */
            size_t base = nchunks / r->ntasks, extra = nchunks % r->ntasks;
            lo = t * base + (t < extra ? t : extra);
            hi = lo + base + (t < extra);
        }
        r->first_chunk[t] = lo;
        r->nchunks[t] = hi - lo;
        if (o->balanced)
            rc = submit_range(v, &r->a, d, o, chunk, lo, hi - lo, err);
        else {
            /* A direct view's task goes to its own engine. */
            pp_view *one = pp_view_one(v, t, err);
            rc = one ? pp_view_set_flags(one, &flags, err) : err->code;
            if (!rc)
                rc = submit_range(one, &r->a, d, o, chunk, lo, hi - lo, err);
            pp_view_destroy(&one);
        }
    }
    if (!rc && r->a)
        rc = progress ? pp_async_wait_interactive(r->a, stderr, 5, err)
                      : pp_async_wait(r->a, -1, err);
    for (size_t t = 0; !rc && t < r->ntasks; t++) {
        const pp_values *vals;
        rc = pp_async_result(r->a, t, &vals, err);
        if (!rc && (vals->n != 1 || vals->v[0].type != PP_T_I64
                    || pp_value_count(&vals->v[0]) != 100))
            rc = pp_error_set(err, PP_EPROTO,
                              "task %zu returned no 100 counts", t);
        for (int k = 0; !rc && k < 100; k++)
            r->counts[k] += (uint64_t)pp_value_i64s(&vals->v[0])[k];
    }
    r->seconds = (double)(pp_mono_ns() - t0) / 1e9;
    return rc;
}

static int write_json(const char *path, const pairs_opts *o,
                      const pp_pairs_summary *sum, const char *sha,
                      uint64_t chunk, const count_run *r, size_t nengines,
                      double total_s, pp_error *err)
{
    json_t *counts = json_object();
    for (int k = 0; k < 100; k++) {
        char key[3] = { (char)('0' + k / 10), (char)('0' + k % 10), 0 };
        json_object_set_new(counts, key, json_integer((json_int_t)sum->counts[k]));
    }
    json_t *tasks = json_array();
    for (size_t t = 0; t < r->ntasks; t++) {
        const pp_task_meta *m = pp_async_meta(r->a, t);
        json_array_append_new(
            tasks,
            json_pack("{s:I, s:I, s:i, s:f, s:f, s:f}", "first_chunk",
                      (json_int_t)r->first_chunk[t], "chunks",
                      (json_int_t)r->nchunks[t], "engine", m->engine,
                      "submitted", (double)m->submitted / 1e9, "started",
                      (double)m->started / 1e9, "completed",
                      (double)m->completed / 1e9));
    }
    pp_async_timing t;
    pp_async_timing_get(r->a, &t);
    json_t *root = json_pack(
        "{s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:s, s:i, s:I, s:o, s:f, s:f, "
        "s:f, s:f, s:f, s:f, s:o}",
        "digits", (json_int_t)o->digits, "pairs", (json_int_t)sum->npairs,
        "digits_sha256", sha, "chunk_digits", (json_int_t)chunk, "chunks",
        (json_int_t)pp_pairs_chunks(o->digits, chunk), "chunksize",
        (json_int_t)o->chunksize, "view", o->balanced ? "balanced" : "direct",
        "data", o->ship ? "ship" : "local", "engines", (int)nengines,
        "retries", (json_int_t)o->retries, "counts", counts, "chi2",
        sum->chi2, "p_value", sum->p_value, "count_seconds", r->seconds,
        "serial_seconds", t.serial, "speedup",
        r->seconds > 0 ? t.serial / r->seconds : 0.0, "total_seconds",
        total_s, "tasks", tasks);
    char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(root);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "cannot build %s", path);
    size_t n = strlen(text);
    text[n] = '\n';
    int rc = pp_file_write_atomic(path, text, n + 1, 0644, err);
    free(text);
    return rc;
}

static int parse_scaling(const char *s, pairs_opts *o, pp_error *err)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", s);
    o->nscaling = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int64_t k;
        int rc = pp_parse_i64("--scaling", tok, 1, PP_MAX_LOCAL_ENGINES, &k,
                              err);
        if (rc)
            return rc;
        if (o->nscaling == 16)
            return pp_error_set(err, PP_EINVAL,
                                "--scaling: at most 16 engine counts");
        o->scaling[o->nscaling++] = (int)k;
    }
    if (!o->nscaling)
        return pp_error_set(err, PP_EINVAL,
                            "--scaling: give engine counts like 1,2,4");
    return 0;
}

static int parse_opts(int argc, char **argv, pairs_opts *o, pp_error *err)
{
    static const struct option opts[] = {
        { "digits", required_argument, NULL, 'd' },
        { "chunksize", required_argument, NULL, 'c' },
        { "chunk-digits", required_argument, NULL, 'm' },
        { "chunks", required_argument, NULL, 'k' },
        { "view", required_argument, NULL, 'v' },
        { "data", required_argument, NULL, 'a' },
        { "retries", required_argument, NULL, 'r' },
        { "data-dir", required_argument, NULL, 'D' },
        { "results-dir", required_argument, NULL, 'R' },
        { "scaling", required_argument, NULL, 's' },
        { 0, 0, 0, 0 },
    };
    optind = 0;
    opterr = 0;
    int c, rc = 0;
    while (!rc && (c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': rc = pp_parse_digits("--digits", optarg, &o->digits, err);
            break;
        case 'c':
            rc = pp_parse_i64("--chunksize", optarg, 1, 1000000000,
                              &o->chunksize, err);
            break;
        case 'm':
            rc = pp_parse_i64("--chunk-digits", optarg, 1, INT64_MAX,
                              &o->chunk_digits, err);
            break;
        case 'k':
            rc = pp_parse_i64("--chunks", optarg, 1, INT64_MAX, &o->chunks,
                              err);
            break;
        case 'v':
            rc = cli_parse_view(optarg, &o->balanced, err);
            break;
        case 'a':
            if (strcmp(optarg, "ship") && strcmp(optarg, "local"))
                rc = pp_error_set(err, PP_EINVAL,
                                  "--data: '%s' is not ship or local",
                                  optarg);
            o->ship = strcmp(optarg, "local") != 0;
            break;
        case 'r':
            rc = pp_parse_i64("--retries", optarg, 0, 100, &o->retries, err);
            break;
        case 'D': o->data_dir = optarg; break;
        case 'R': o->results_dir = optarg; break;
        case 's': rc = parse_scaling(optarg, o, err); break;
        default:
            rc = pp_error_set(err, PP_EINVAL,
                              "pi-pairs: unknown or incomplete option '%s'",
                              argv[optind - 1]);
        }
    }
    if (!rc && optind < argc)
        rc = pp_error_set(err, PP_EINVAL,
                          "pi-pairs: unexpected argument '%s'", argv[optind]);
    if (!rc && !o->digits)
        rc = pp_error_set(err, PP_EINVAL,
                          "pi-pairs: --digits N is required (e.g. --digits "
                          "1e7)");
    if (!rc && o->digits < 2)
        rc = pp_error_set(err, PP_EINVAL,
                          "--digits: %" PRIu64 " digit%s make%s no pair",
                          o->digits, o->digits == 1 ? "" : "s",
                          o->digits == 1 ? "s" : "");
    if (!rc && o->chunks && o->chunk_digits)
        rc = pp_error_set(err, PP_EINVAL,
                          "give --chunk-digits or --chunks, not both");
    if (!rc && o->chunks && (uint64_t)o->chunks > o->digits - 1)
        rc = pp_error_set(err, PP_EINVAL,
                          "--chunks: %" PRId64 " chunks of %" PRIu64
                          " digits (%" PRIu64
                          " pairs): at most one chunk a pair",
                          o->chunks, o->digits, o->digits - 1);
    return rc;
}

int cli_pi_pairs(const cli_opts *gopts, int argc, char **argv)
{
    pairs_opts o = { .chunksize = 1, .balanced = true, .ship = true,
                     .retries = 1, .data_dir = "data",
                     .results_dir = "results" };
    pp_error err = { 0 };
    if (parse_opts(argc, argv, &o, &err)) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_USAGE;
    }
    int64_t start = pp_mono_ns();
    uint64_t chunk = o.chunks ? (o.digits - 1 + (uint64_t)o.chunks - 1)
                                    / (uint64_t)o.chunks
                              : (o.chunk_digits ? (uint64_t)o.chunk_digits
                                                : 1000000);
    cli_opts go = *gopts;
    int most = 0;
    for (int i = 0; i < o.nscaling; i++)
        most = o.scaling[i] > most ? o.scaling[i] : most;
    if (most && !go.engines)
        go.engines = most; /* an embedded cluster big enough to scale */

    cli_session s = { 0 };
    pp_digits *d = NULL;
    pp_view *v = NULL;
    count_run r = { 0 };
    int64_t *ids = NULL;
    size_t nengines = 0;
    /* Where the results go is checked before the count, not after. */
    int rc = pp_mkdirs(o.results_dir, 0755, &err);
    if (rc) {
        fprintf(stderr, "driver: %s\n", err.msg);
        return CLI_FAIL;
    }
    rc = cli_open(&go, &s, &err);
    if (!rc)
        rc = pp_client_ids(s.client, &ids, &nengines, &err);
    if (!rc && most > (int)nengines)
        rc = pp_error_set(&err, PP_EINVAL,
                          "--scaling: the cluster has %zu engine%s; %d "
                          "needs more (driver cluster start -n %d)",
                          nengines, nengines == 1 ? "" : "s", most, most);
    if (!rc)
        rc = cli_ensure_digits(&go, &s, o.digits, o.data_dir, 0,
                               nengines < 2, &d, &err);
    /* The hash of exactly these digits, for the record. */
    char sha[PP_SHA256_HEX];
    if (!rc) {
        if (pp_digits_file_size(d) == o.digits)
            memcpy(sha, pp_digits_file_sha256(d), sizeof sha);
        else
            rc = pp_sha256_buf(pp_digits_data(d), (size_t)o.digits, sha,
                               &err);
    }
    if (!rc)
        v = o.balanced ? pp_client_balanced(s.client, &err)
                       : pp_client_direct(s.client, NULL, 0, &err);
    if (!rc && !v)
        rc = err.code;
    if (!rc)
        rc = count_pairs(v, nengines, d, &o, chunk, true, &r, &err);

    /* The scaling runs: the same count with the first k engines. */
    double scaling_s[16] = { 0 };
    for (int i = 0; !rc && i < o.nscaling; i++) {
        pairs_opts direct = o;
        direct.balanced = false;
        pp_view *sub = pp_client_direct(s.client, ids, (size_t)o.scaling[i],
                                        &err);
        if (!sub) {
            rc = err.code;
            break;
        }
        scaling_s[i] = 1e30;
        for (int rep = 0; !rc && rep < 3; rep++) {
            count_run sr;
            rc = count_pairs(sub, (size_t)o.scaling[i], d, &direct, chunk,
                             false, &sr, &err);
            if (!rc && memcmp(sr.counts, r.counts, sizeof r.counts))
                rc = pp_error_set(&err, PP_EPROTO,
                                  "the counts with %d engines differ",
                                  o.scaling[i]);
            if (sr.seconds < scaling_s[i])
                scaling_s[i] = sr.seconds;
            count_run_free(&sr);
        }
        pp_view_destroy(&sub);
    }

    pp_pairs_summary sum;
    char base[PP_PATH_MAX], path[PP_PATH_MAX + 32], gp[PP_PATH_MAX + 32];
    if (!rc) {
        pp_pairs_summarize(r.counts, o.digits, &sum);
        pp_pairs_print(stdout, &sum);
        pp_async_timing t;
        pp_async_timing_get(r.a, &t);
        printf("count: %zu chunks of %" PRIu64 " digits in %zu tasks on %zu "
               "engine%s (%s view, data %s): %.3f s, serial %.3f s, speedup "
               "%.2f\n",
               pp_pairs_chunks(o.digits, chunk), chunk, r.ntasks, nengines,
               nengines == 1 ? "" : "s", o.balanced ? "balanced" : "direct",
               o.ship ? "shipped" : "read by the engines", r.seconds,
               t.serial, r.seconds > 0 ? t.serial / r.seconds : 0);
        snprintf(base, sizeof base, "%s/pi-pairs-%" PRIu64, o.results_dir,
                 o.digits);
        rc = pp_mkdirs(o.results_dir, 0755, &err);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s.csv", base);
        rc = pp_pairs_write_csv(path, &sum, &err);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s.json", base);
        rc = write_json(path, &o, &sum, sha, chunk, &r, nengines,
                        (double)(pp_mono_ns() - start) / 1e9, &err);
    }
    int plot_rc = 0;
    if (!rc) {
        snprintf(gp, sizeof gp, "%s.gp", base);
        snprintf(path, sizeof path, "%s.png", base);
        plot_rc = pp_pairs_plot(gp, path, &sum, &err);
        if (plot_rc == 0)
            printf("figure: %s (gnuplot script %s); data: %s.csv, %s.json\n",
                   path, gp, base, base);
        else
            fprintf(stderr, "driver: %s\n", err.msg);
    }
    if (!rc && o.nscaling) {
        printf("scaling (direct view, best of 3):\n");
        for (int i = 0; i < o.nscaling; i++)
            printf("  %2d engine%s  %.4f s  speedup %.2f\n", o.scaling[i],
                   o.scaling[i] == 1 ? " " : "s", scaling_s[i],
                   scaling_s[0] / scaling_s[i] * o.scaling[0]);
        snprintf(gp, sizeof gp, "%s-scaling.gp", base);
        snprintf(path, sizeof path, "%s-scaling.png", base);
        if (pp_pairs_plot_scaling(gp, path, o.digits, o.scaling, scaling_s,
                                  (size_t)o.nscaling, &err) == 0)
            printf("scaling figure: %s\n", path);
        else
            fprintf(stderr, "driver: %s\n", err.msg);
    }
    count_run_free(&r);
    pp_view_destroy(&v);
    pp_digits_close(&d);
    free(ids);
    cli_close(&s);
    if (rc) {
        fprintf(stderr, "driver: %s\n",
                cli_interrupted ? "interrupted" : err.msg);
        return cli_interrupted ? CLI_INTERRUPTED : CLI_FAIL;
    }
    printf("total: %.3f s\n", (double)(pp_mono_ns() - start) / 1e9);
    return plot_rc && plot_rc != PP_ENOENT ? CLI_FAIL : CLI_OK;
}
