/* cmd_check.c - `driver check EXERCISE_DIR [FILE.c]`: loads a student's
 * module, runs it on the cluster as the exercise's check.conf says,
 * compares with the answer known there (or with a built-in workload's),
 * prints pass or fail with the wall time and the speedup, and unloads
 * it.  The format of check.conf is in exercises/TEACHING.md.
 *
 * Exit status: 0 pass; 1 fail, with one line on stderr saying why (after
 * the compiler's own lines when it did not compile); 2 bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "wire.h"
#include "pi_run.h"
#include "pipar/view.h"
#include "repr.h"

#define MAX_STEPS 16
#define MAX_LIST 8
#define MAX_SCATTER 4
#define TEXT_MAX 512

typedef enum { STEP_APPLY, STEP_MAP, STEP_EXECUTE, STEP_PAIRS } step_kind;
static const char *const kind_names[] = { "apply", "map", "execute",
                                          "pairs" };

/* An expected number: a whole one is compared exactly with i64 results. */
typedef struct num {
    bool set, whole;
    int64_t i;
    double d;
} num;

typedef struct step {
    step_kind kind;
    int line;
    char workload[CLI_MODULE_NAME_MAX + 1];
    char args[TEXT_MAX]; /* apply: the arguments; map, execute: extra */
    char expect[TEXT_MAX];
    bool has_expect;
    num sum, mean, isum;
    int64_t at[MAX_LIST]; /* expect_at: result at[k] is at_value[k] */
    num at_value[MAX_LIST];
    size_t nat;
    double tolerance;
    char reference[CLI_MODULE_NAME_MAX + 1];
    int64_t a, b; /* map: --range A:B */
    bool has_range;
    int64_t chunksizes[MAX_LIST];
    size_t nchunksizes;
    bool direct, balanced; /* map: the views */
    bool identical;        /* map: every run gives the same result */
    int64_t per_item;      /* map: results each item gives */
    char scatter_name[MAX_SCATTER][32];
    int64_t scatter_a[MAX_SCATTER], scatter_b[MAX_SCATTER];
    size_t nscatter;
    int64_t digits, chunk_digits; /* pairs */
} step;

typedef struct check {
    char title[128];
    double timeout_s;
    step steps[MAX_STEPS];
    size_t n;
} check;

/* What a failing check says: one line. */
typedef struct verdict {
    char what[256]; /* the step: "map mc_pi over [0, 200), chunksize 10" */
    char why[1024];
    bool timed_out;
} verdict;

static int fail_step(verdict *vd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail_step(verdict *vd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vd->why, sizeof vd->why, fmt, ap);
    va_end(ap);
    return 1;
}

/* ---- check.conf ------------------------------------------------------ */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n'
                     || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int parse_num(const char *key, const char *s, num *n, pp_error *err)
{
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*s && !*end && errno != ERANGE) {
        *n = (num){ true, true, i, (double)i };
        return 0;
    }
    errno = 0;
    double d = strtod(s, &end);
    if (*s && !*end && isfinite(d)) {
        *n = (num){ true, false, 0, d };
        return 0;
    }
    return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number", key, s);
}

static int parse_range(const char *key, const char *s, int64_t *a,
                       int64_t *b, int64_t most, pp_error *err)
{
    long long x, y;
    int used = 0;
    if (sscanf(s, "%lld:%lld%n", &x, &y, &used) != 2 || s[used]
        || y <= x || y - x > most || x < -(1LL << 50) || y > (1LL << 50))
        return pp_error_set(err, PP_EINVAL,
                            "%s: '%s' is not A:B with A < B and at most "
                            "%" PRId64 " items",
                            key, s, most);
    *a = x;
    *b = y;
    return 0;
}

static int parse_name(const char *key, const char *s, char *out,
                      size_t size, pp_error *err)
{
    size_t n = strlen(s);
    if (n == 0 || n >= size || strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789_-.")
                                   != n)
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a name", key,
                            s);
    memcpy(out, s, n + 1);
    return 0;
}

static int set_key(check *c, step *st, const char *key, char *val,
                   pp_error *err)
{
    int64_t x;
    if (!st) {
        if (strcmp(key, "title") == 0) {
            snprintf(c->title, sizeof c->title, "%s", val);
            return 0;
        }
        if (strcmp(key, "timeout") == 0)
            return pp_parse_seconds("timeout", val, 0.1, 3600, &c->timeout_s,
                                    err);
        return pp_error_set(err, PP_EINVAL,
                            "'%s' is not a key before the first [step] "
                            "(title, timeout)",
                            key);
    }
    bool m = st->kind == STEP_MAP, e = st->kind == STEP_EXECUTE,
         p = st->kind == STEP_PAIRS, ap = st->kind == STEP_APPLY;
    if (strcmp(key, "workload") == 0)
        return parse_name(key, val, st->workload, sizeof st->workload, err);
    if (strcmp(key, "tolerance") == 0 && !p) {
        num n;
        int rc = parse_num(key, val, &n, err);
        if (!rc && n.d < 0)
            rc = pp_error_set(err, PP_EINVAL, "tolerance: %s is negative",
                              val);
        st->tolerance = n.d;
        return rc;
    }
    if ((strcmp(key, "args") == 0 && ap)
        || (strcmp(key, "extra") == 0 && (m || e))) {
        snprintf(st->args, sizeof st->args, "%s", val);
        return 0;
    }
    if (strcmp(key, "expect") == 0 && ap) {
        snprintf(st->expect, sizeof st->expect, "%s", val);
        st->has_expect = true;
        return 0;
    }
    if (strcmp(key, "expect_sum") == 0 && (m || e))
        return parse_num(key, val, &st->sum, err);
    if (strcmp(key, "expect_mean") == 0 && (m || e))
        return parse_num(key, val, &st->mean, err);
    if (strcmp(key, "expect_isum") == 0 && (m || e))
        return parse_num(key, val, &st->isum, err);
    if (strcmp(key, "expect_at") == 0 && (m || e)) {
        char index[64], value[64];
        int used = 0;
        if (st->nat == MAX_LIST)
            return pp_error_set(err, PP_EINVAL, "expect_at: at most %d",
                                MAX_LIST);
        if (sscanf(val, "%63s %63s %n", index, value, &used) != 2
            || val[used])
            return pp_error_set(err, PP_EINVAL,
                                "expect_at: '%s' is not RESULT VALUE (as "
                                "`expect_at = 0 1`: result 0 is 1)",
                                val);
        int rc = pp_parse_i64("expect_at", index, 0, INT64_MAX,
                              &st->at[st->nat], err);
        if (!rc)
            rc = parse_num("expect_at", value, &st->at_value[st->nat], err);
        st->nat += rc == 0;
        return rc;
    }
    if (strcmp(key, "reference") == 0 && (m || e))
        return parse_name(key, val, st->reference, sizeof st->reference,
                          err);
    if (strcmp(key, "range") == 0 && m) {
        st->has_range = true;
        return parse_range(key, val, &st->a, &st->b, 10000000, err);
    }
    if (strcmp(key, "chunksizes") == 0 && m) {
        st->nchunksizes = 0;
        for (char *save = NULL, *t = strtok_r(val, " \t,", &save); t;
             t = strtok_r(NULL, " \t,", &save)) {
            if (st->nchunksizes == MAX_LIST)
                return pp_error_set(err, PP_EINVAL,
                                    "chunksizes: at most %d", MAX_LIST);
            int rc = pp_parse_i64("chunksizes", t, 1, 10000000, &x, err);
            if (rc)
                return rc;
            st->chunksizes[st->nchunksizes++] = x;
        }
        return st->nchunksizes ? 0
                               : pp_error_set(err, PP_EINVAL,
                                              "chunksizes: none given");
    }
    if (strcmp(key, "views") == 0 && m) {
        st->direct = st->balanced = false;
        for (char *save = NULL, *t = strtok_r(val, " \t,", &save); t;
             t = strtok_r(NULL, " \t,", &save)) {
            if (strcmp(t, "direct") == 0)
                st->direct = true;
            else if (strcmp(t, "balanced") == 0)
                st->balanced = true;
            else
                return pp_error_set(err, PP_EINVAL,
                                    "views: '%s' is not balanced or direct",
                                    t);
        }
        return st->direct || st->balanced
                   ? 0
                   : pp_error_set(err, PP_EINVAL, "views: none given");
    }
    if (strcmp(key, "per_item") == 0 && m)
        return pp_parse_i64("per_item", val, 1, 100000, &st->per_item, err);
    if (strcmp(key, "identical") == 0 && m) {
        if (strcmp(val, "yes") && strcmp(val, "no"))
            return pp_error_set(err, PP_EINVAL,
                                "identical: '%s' is not yes or no", val);
        st->identical = strcmp(val, "yes") == 0;
        return 0;
    }
    if (strcmp(key, "scatter") == 0 && e) {
        char name[64], range[64];
        int used = 0;
        if (st->nscatter == MAX_SCATTER)
            return pp_error_set(err, PP_EINVAL, "scatter: at most %d",
                                MAX_SCATTER);
        if (sscanf(val, "%63s %63s %n", name, range, &used) != 2 || val[used])
            return pp_error_set(err, PP_EINVAL,
                                "scatter: '%s' is not NAME A:B", val);
        size_t k = st->nscatter;
        int rc = parse_name("scatter", name, st->scatter_name[k],
                            sizeof st->scatter_name[k], err);
        if (!rc)
            rc = parse_range("scatter", range, &st->scatter_a[k],
                             &st->scatter_b[k], 10000000, err);
        st->nscatter += rc == 0;
        return rc;
    }
    if (strcmp(key, "digits") == 0 && p)
        return pp_parse_i64("digits", val, 2, 10000000, &st->digits, err);
    if (strcmp(key, "chunk_digits") == 0 && p)
        return pp_parse_i64("chunk_digits", val, 1, 10000000,
                            &st->chunk_digits, err);
    return pp_error_set(err, PP_EINVAL, "'%s' is not a key of [%s]", key,
                        kind_names[st->kind]);
}

/* What a step must have once its section ended. */
static int step_complete(step *st, pp_error *err)
{
    if (!st->workload[0])
        return pp_error_set(err, PP_EINVAL, "[%s] has no workload",
                            kind_names[st->kind]);
    switch (st->kind) {
    case STEP_APPLY:
        if (!st->has_expect)
            return pp_error_set(err, PP_EINVAL, "[apply] has no expect");
        break;
    case STEP_MAP:
    case STEP_EXECUTE:
        if (st->kind == STEP_MAP && !st->has_range)
            return pp_error_set(err, PP_EINVAL, "[map] has no range");
        if (st->kind == STEP_EXECUTE && !st->nscatter)
            return pp_error_set(err, PP_EINVAL, "[execute] has no scatter");
        if (!st->sum.set && !st->mean.set && !st->isum.set && !st->nat
            && !st->reference[0])
            return pp_error_set(err, PP_EINVAL,
                                "[%s] expects nothing (give expect_sum, "
                                "expect_mean, expect_isum, expect_at or "
                                "reference)",
                                kind_names[st->kind]);
        /* A map's results are known in number; an execute's only once
         * its gather came back (judge_array says then). */
        for (size_t k = 0; k < st->nat && st->kind == STEP_MAP; k++)
            if (st->at[k] / st->per_item >= st->b - st->a)
                return pp_error_set(err, PP_EINVAL,
                                    "expect_at: result %" PRId64
                                    " is past the last (%" PRId64
                                    " results: %" PRId64 " items of %" PRId64
                                    ")",
                                    st->at[k], (st->b - st->a) * st->per_item,
                                    st->b - st->a, st->per_item);
        break;
    case STEP_PAIRS:
        if (!st->digits)
            return pp_error_set(err, PP_EINVAL, "[pairs] has no digits");
        if (!st->chunk_digits)
            st->chunk_digits = (st->digits + 8) / 10;
        break;
    }
    return 0;
}

static int parse_conf(const char *path, check *c, pp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = pp_file_read(path, &text, &len, 1 << 16, err);
    if (rc)
        return rc;
    memset(c, 0, sizeof *c);
    c->timeout_s = 60;
    step *st = NULL;
    int lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); !rc && line;
         line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        /* A comment runs from a '#' outside "quotes" to the end. */
        bool quoted = false;
        for (char *h = line; *h; h++) {
            if (*h == '"')
                quoted = !quoted;
            else if (*h == '#' && !quoted) {
                *h = '\0';
                break;
            }
        }
        char *s = trim(line);
        if (!*s)
            continue;
        if (*s == '[') {
            if (st && (rc = step_complete(st, err)))
                break;
            step_kind k;
            for (k = STEP_APPLY; k <= STEP_PAIRS; k++) {
                char want[32];
                snprintf(want, sizeof want, "[%s]", kind_names[k]);
                if (strcmp(s, want) == 0)
                    break;
            }
            if (k > STEP_PAIRS) {
                rc = pp_error_set(err, PP_EINVAL,
                                  "'%s' is not [apply], [map], [execute] or "
                                  "[pairs]",
                                  s);
                break;
            }
            if (c->n == MAX_STEPS) {
                rc = pp_error_set(err, PP_EINVAL, "at most %d steps",
                                  MAX_STEPS);
                break;
            }
            st = &c->steps[c->n++];
            *st = (step){ .kind = k, .line = lineno, .balanced = true,
                          .identical = true, .nchunksizes = 1, .per_item = 1,
                          .chunksizes = { 1 } };
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            rc = pp_error_set(err, PP_EINVAL, "'%s' is not KEY = VALUE", s);
            break;
        }
        *eq = '\0';
        rc = set_key(c, st, trim(s), trim(eq + 1), err);
    }
    if (!rc && st)
        rc = step_complete(st, err);
    if (!rc && c->n == 0)
        rc = pp_error_set(err, PP_EINVAL, "no steps ([apply], [map], ...)");
    if (rc)
        pp_error_prefix(err, "%s:%d: ", path, lineno);
    free(text);
    return rc;
}

/* Arguments as `driver apply` reads them: a whole number is an i64,
 * another number an f64, the rest (or anything in "quotes") a str. */
static int parse_args(const char *text, pp_values *out, pp_error *err)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        char tok[TEXT_MAX];
        size_t n = 0;
        bool quoted = *p == '"';
        if (quoted) {
            const char *q = strchr(p + 1, '"');
            if (!q)
                return pp_error_set(err, PP_EINVAL,
                                    "'%s': a quote is not closed", text);
            n = (size_t)(q - p - 1);
            memcpy(tok, p + 1, n);
            p = q + 1;
        } else {
            n = strcspn(p, " \t");
            memcpy(tok, p, n);
            p += n;
        }
        tok[n] = '\0';
        pp_value v;
        num x;
        pp_error ignored;
        int rc = !quoted && parse_num("", tok, &x, &ignored) == 0
                     ? (x.whole ? pp_value_i64(&v, &x.i, 1)
                                : pp_value_f64(&v, &x.d, 1))
                     : pp_value_str(&v, tok);
        if (rc || pp_values_push(out, &v))
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        if (out->n > PP_MAX_VALUES)
            return pp_error_set(err, PP_EINVAL, "too many arguments");
    }
    return 0;
}

/* ---- running the steps ---------------------------------------------- */

/* A value as `driver apply` prints it, cut to fit a line. */
static void repr_short(const pp_value *v, char *buf, size_t size)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        snprintf(buf, size, "?");
        return;
    }
    pp_repr_value(f, v);
    fclose(f);
    if (len + 1 > size && size > 4)
        snprintf(buf, size, "%.*s...", (int)(size - 4), text);
    else
        snprintf(buf, size, "%s", text ? text : "");
    free(text);
}

static void num_str(const num *n, char *buf, size_t size)
{
    if (n->whole)
        snprintf(buf, size, "%" PRId64, n->i);
    else
        snprintf(buf, size, "%.10g", n->d);
}

/* Compares got (an i64 sum when exact, else got_d) with want. */
static int compare_num(verdict *vd, const char *what, const num *want,
                       bool exact, int64_t got_i, double got_d, double tol)
{
    char w[64];
    num_str(want, w, sizeof w);
    if (want->whole && exact && tol == 0) {
        if (got_i != want->i)
            return fail_step(vd, "expected %s %s, got %" PRId64, what, w,
                             got_i);
        return 0;
    }
    if (tol == 0)
        tol = 1e-9 * fmax(1, fabs(want->d));
    if (!(fabs(got_d - want->d) <= tol))
        return fail_step(vd, "expected %s %s (within %g), got %.10g", what,
                         w, tol, got_d);
    return 0;
}

/* The expectations of a map's or an execute's result y over n items. */
static int judge_array(const step *st, const pp_value *y, size_t n,
                       verdict *vd, char *summary, size_t size)
{
    char got[160];
    if (y->type != PP_T_I64 && y->type != PP_T_F64) {
        repr_short(y, got, sizeof got);
        return fail_step(vd, "the result is not an array of i64 or f64: %s",
                         got);
    }
    size_t count = pp_value_count(y);
    if (count != n)
        return fail_step(vd,
                         "%zu results, expected %zu (the workload must "
                         "return %s per item of its chunk)",
                         count, n, n == (size_t)(st->b - st->a) || !st->b
                                       ? "one result" : "its results");
    bool exact = y->type == PP_T_I64, overflow = false;
    int64_t si = 0, wi = 0;
    double sd = 0, wd = 0;
    for (size_t i = 0; i < count; i++) {
        if (exact) {
            int64_t x = pp_value_i64s(y)[i], t;
            overflow |= __builtin_add_overflow(si, x, &si)
                        || __builtin_mul_overflow(x, (int64_t)i, &t)
                        || __builtin_add_overflow(wi, t, &wi);
            sd += (double)x;
            wd += (double)x * (double)i;
        } else {
            sd += pp_value_f64s(y)[i];
            wd += pp_value_f64s(y)[i] * (double)i;
        }
    }
    if (overflow)
        exact = false;
    int rc = 0;
    summary[0] = '\0';
    /* Single results first: the most precise thing to say. */
    for (size_t k = 0; k < st->nat && !rc; k++) {
        char where[96], w[64], g[64];
        int64_t at = st->at[k];
        if (st->per_item > 1)
            snprintf(where, sizeof where,
                     "result %" PRId64 " (item %" PRId64 ", result %" PRId64
                     " of it)",
                     at, at / st->per_item, at % st->per_item);
        else
            snprintf(where, sizeof where, "result %" PRId64, at);
        if ((uint64_t)at >= count)
            return fail_step(vd, "expect_at: %s is past the last (%zu "
                                 "results)",
                             where, count);
        int64_t gi = y->type == PP_T_I64 ? pp_value_i64s(y)[at] : 0;
        double gd = y->type == PP_T_I64 ? (double)gi : pp_value_f64s(y)[at];
        verdict tmp = { 0 };
        if (compare_num(&tmp, "", &st->at_value[k], y->type == PP_T_I64, gi,
                        gd, 0)) {
            num_str(&st->at_value[k], w, sizeof w);
            if (y->type == PP_T_I64)
                snprintf(g, sizeof g, "%" PRId64, gi);
            else
                snprintf(g, sizeof g, "%.17g", gd);
            rc = fail_step(vd, "%s: expected %s, got %s", where, w, g);
        }
    }
    if (!rc && st->nat)
        snprintf(summary, size, "%zu result%s as expected", st->nat,
                 st->nat == 1 ? "" : "s");
    if (!rc && st->sum.set) {
        rc = compare_num(vd, "sum", &st->sum, exact, si, sd, st->tolerance);
        size_t k = strlen(summary);
        if (exact)
            snprintf(summary + k, size - k, "%ssum %" PRId64, k ? ", " : "",
                     si);
        else
            snprintf(summary + k, size - k, "%ssum %.10g", k ? ", " : "",
                     sd);
    }
    if (!rc && st->mean.set) {
        double mean = sd / (double)count;
        rc = compare_num(vd, "mean", &st->mean, false, 0, mean,
                         st->tolerance);
        size_t k = strlen(summary);
        snprintf(summary + k, size - k, "%smean %.10g (%.2g from %.10g)",
                 k ? ", " : "", mean, fabs(mean - st->mean.d), st->mean.d);
    }
    if (!rc && st->isum.set) {
        rc = compare_num(vd, "isum (the sum of i * result[i])", &st->isum,
                         exact, wi, wd, st->tolerance);
        size_t k = strlen(summary);
        snprintf(summary + k, size - k, "%sisum as expected",
                 k ? ", " : "");
    }
    return rc;
}

/* The first item where two arrays differ, beyond tol for f64. */
static bool differ(const pp_value *x, const pp_value *y, double tol,
                   size_t *at, char *gx, char *gy, size_t size)
{
    size_t n = pp_value_count(x);
    if (x->type != y->type || n != pp_value_count(y)) {
        *at = (size_t)-1;
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        if (x->type == PP_T_I64 && pp_value_i64s(x)[i] != pp_value_i64s(y)[i]) {
            *at = i;
            snprintf(gx, size, "%" PRId64, pp_value_i64s(x)[i]);
            snprintf(gy, size, "%" PRId64, pp_value_i64s(y)[i]);
            return true;
        }
        if (x->type == PP_T_F64
            && !(fabs(pp_value_f64s(x)[i] - pp_value_f64s(y)[i]) <= tol)) {
            *at = i;
            snprintf(gx, size, "%.17g", pp_value_f64s(x)[i]);
            snprintf(gy, size, "%.17g", pp_value_f64s(y)[i]);
            return true;
        }
    }
    return false;
}

static int differ_verdict(verdict *vd, const char *xname, const pp_value *x,
                          const char *yname, const pp_value *y, double tol)
{
    size_t at;
    char gx[64] = "", gy[64] = "";
    if (!differ(x, y, tol, &at, gx, gy, sizeof gx))
        return 0;
    if (at == (size_t)-1)
        return fail_step(vd, "%s and %s differ in type or length", xname,
                         yname);
    return fail_step(vd, "%s and %s differ at item %zu: %s against %s",
                     xname, yname, at, gx, gy);
}

/* Waits for a, within the check's time; a task's failure is the
 * verdict. */
static int wait_for(pp_async *a, double timeout_s, verdict *vd)
{
    pp_error e = { 0 };
    int rc = pp_async_wait(a, timeout_s, &e);
    if (rc == PP_ETIMEDOUT) {
        vd->timed_out = true;
        return fail_step(vd,
                         "did not finish in %g s (an endless loop? the "
                         "engines may still be running it: restart them)",
                         timeout_s);
    }
    if (rc)
        return fail_step(vd, "%s", e.msg);
    if (pp_async_first_error(a, &e))
        return fail_step(vd, "%s", e.msg);
    return 0;
}

/* Wall, serial, speedup, and what each engine was busy with. */
static void print_timing(pp_async *a, double *wall, double *serial)
{
    pp_async_timing t;
    pp_async_timing_get(a, &t);
    *wall += t.wall;
    *serial += t.serial;
    printf("      wall %.3f s, serial %.3f s, speedup %.2f, %.0f tasks/s\n",
           t.wall, t.serial, t.wall > 0 ? t.serial / t.wall : 0,
           t.wall > 0 ? (double)pp_async_len(a) / t.wall : 0);
    int32_t eng[64];
    double busy[64];
    size_t ntasks[64], ne = 0;
    for (size_t i = 0; i < pp_async_len(a); i++) {
        const pp_task_meta *m = pp_async_meta(a, i);
        if (!m || m->engine < 0)
            continue;
        size_t k;
        for (k = 0; k < ne && eng[k] != m->engine; k++)
            ;
        if (k == ne) {
            if (ne == 64)
                continue;
            eng[ne] = m->engine;
            busy[ne] = 0;
            ntasks[ne++] = 0;
        }
        busy[k] += (double)(m->completed - m->started) / 1e9;
        ntasks[k]++;
    }
    fputs("      busy:", stdout);
    for (size_t k = 0; k < ne; k++)
        printf("%s engine %d %.3f s (%zu task%s)", k ? "," : "", eng[k],
               busy[k], ntasks[k], ntasks[k] == 1 ? "" : "s");
    putchar('\n');
}

typedef struct run_ctx {
    pp_client *client;
    pp_view *direct;
    pp_view *balanced;
    double timeout_s;
    double wall, serial;
} run_ctx;

static int run_apply(run_ctx *r, const step *st, verdict *vd)
{
    pp_values args = { 0 };
    pp_value want = { 0 };
    pp_values wantl = { 0 };
    pp_error e = { 0 };
    pp_async *a = NULL;
    int rc = 0;
    /* Cut to fit: this only names the step in its report line. */
    snprintf(vd->what, sizeof vd->what, "apply %.60s %.180s", st->workload,
             st->args);
    if (parse_args(st->args, &args, &e) || parse_args(st->expect, &wantl, &e)
        || wantl.n != 1) {
        rc = fail_step(vd, "check.conf:%d: %s", st->line,
                       wantl.n != 1 && !e.msg[0]
                           ? "expect must be one value"
                           : e.msg);
        goto out;
    }
    want = wantl.v[0];
    if (!(a = pp_view_apply_async(r->direct, st->workload, args.v, args.n,
                                  &e))) {
        rc = fail_step(vd, "%s", e.msg);
        goto out;
    }
    if ((rc = wait_for(a, r->timeout_s, vd)))
        goto out;
    size_t nt;
    const int64_t *ids = pp_view_targets(r->direct, &nt);
    char exp[160];
    repr_short(&want, exp, sizeof exp);
    for (size_t i = 0; i < pp_async_len(a) && !rc; i++) {
        const pp_values *vals;
        char got[160];
        if (pp_async_result(a, i, &vals, &e)) {
            rc = fail_step(vd, "%s", e.msg);
            break;
        }
        if (vals->n != 1) {
            rc = fail_step(vd,
                           "engine %" PRId64 ": expected one value (%s), got "
                           "%zu values",
                           ids[i], exp, vals->n);
            break;
        }
        const pp_value *g = &vals->v[0];
        repr_short(g, got, sizeof got);
        bool ok;
        if (want.type == PP_T_STR)
            ok = g->type == PP_T_STR && g->size == want.size
                 && memcmp(g->data, want.data, want.size) == 0;
        else if (pp_value_count(g) != 1
                 || (g->type != PP_T_I64 && g->type != PP_T_F64))
            ok = false;
        else {
            num w = { true, want.type == PP_T_I64,
                      want.type == PP_T_I64 ? pp_value_i64s(&want)[0] : 0,
                      want.type == PP_T_I64
                          ? (double)pp_value_i64s(&want)[0]
                          : pp_value_f64s(&want)[0] };
            bool exact = g->type == PP_T_I64;
            int64_t gi = exact ? pp_value_i64s(g)[0] : 0;
            double gd = exact ? (double)gi : pp_value_f64s(g)[0];
            verdict tmp = { 0 };
            ok = compare_num(&tmp, "", &w, exact, gi, gd, st->tolerance) == 0;
        }
        if (!ok)
            rc = fail_step(vd, "engine %" PRId64 ": expected %s, got %s",
                           ids[i], exp, got);
    }
    if (!rc) {
        pp_async_timing t;
        pp_async_timing_get(a, &t);
        r->wall += t.wall;
        r->serial += t.serial;
        printf("  ok  %s: %s on every engine (%.3f s)\n", vd->what, exp,
               t.wall);
    }
out:
    pp_async_destroy(&a);
    pp_values_free(&args);
    pp_values_free(&wantl);
    return rc;
}

/* One map of st over [a, b) on view v: its gathered result in *y. */
static int map_once(run_ctx *r, const step *st, const char *workload,
                    pp_view *v, int64_t chunksize, const pp_values *extra,
                    pp_value *y, bool report, verdict *vd)
{
    size_t n = (size_t)(st->b - st->a);
    int64_t *x = malloc(n * sizeof *x);
    pp_error e = { 0 };
    if (!x)
        return fail_step(vd, "no memory for %zu items", n);
    for (size_t i = 0; i < n; i++)
        x[i] = st->a + (int64_t)i;
    pp_value seq;
    pp_value_take(&seq, PP_T_I64, x, n * sizeof *x);
    pp_async *a = pp_view_map_async(v, workload, &seq, (size_t)chunksize,
                                    extra->v, extra->n, &e);
    pp_value_free(&seq);
    if (!a)
        return fail_step(vd, "%s", e.msg);
    int rc = wait_for(a, r->timeout_s, vd);
    if (!rc && pp_async_gather(a, y, &e))
        rc = fail_step(vd, "%s", e.msg);
    if (!rc && report)
        print_timing(a, &r->wall, &r->serial);
    pp_async_destroy(&a);
    return rc;
}

static int run_map(run_ctx *r, const step *st, verdict *vd)
{
    pp_values extra = { 0 };
    pp_error e = { 0 };
    pp_value first = { 0 }, y = { 0 };
    char first_what[256] = "";
    size_t n = (size_t)(st->b - st->a);
    int rc = 0;
    if (parse_args(st->args, &extra, &e)) {
        snprintf(vd->what, sizeof vd->what, "map %s", st->workload);
        rc = fail_step(vd, "check.conf:%d: extra: %s", st->line, e.msg);
        goto out;
    }
    for (int view = 0; view < 2 && !rc; view++) {
        if ((view == 0 && !st->balanced) || (view == 1 && !st->direct))
            continue;
        /* A direct view makes one task per engine whatever the
         * chunksize. */
        size_t runs = view == 0 ? st->nchunksizes : 1;
        for (size_t k = 0; k < runs && !rc; k++) {
            if (view == 0)
                snprintf(vd->what, sizeof vd->what,
                         "map %s over [%" PRId64 ", %" PRId64
                         "), chunksize %" PRId64 ", balanced view",
                         st->workload, st->a, st->b, st->chunksizes[k]);
            else
                snprintf(vd->what, sizeof vd->what,
                         "map %s over [%" PRId64 ", %" PRId64
                         "), direct view",
                         st->workload, st->a, st->b);
            printf("  ..  %s\n", vd->what);
            fflush(stdout);
            rc = map_once(r, st, st->workload,
                          view == 0 ? r->balanced : r->direct,
                          st->chunksizes[k], &extra, &y, true, vd);
            char summary[512];
            if (!rc)
                rc = judge_array(st, &y, n * st->per_item, vd, summary,
                                 sizeof summary);
            if (!rc && !first.type) {
                printf("  ok  %s\n", summary[0] ? summary : "it ran");
                first = y;
                y = (pp_value){ 0 };
                if (view == 0)
                    snprintf(first_what, sizeof first_what,
                             "the one at chunksize %" PRId64,
                             st->chunksizes[k]);
                else
                    snprintf(first_what, sizeof first_what,
                             "the one on the direct view");
            } else if (!rc && st->identical) {
                rc = differ_verdict(vd, "this run", &y, first_what, &first,
                                    0);
                if (rc) {
                    /* Say what to look for. */
                    size_t k2 = strlen(vd->why);
                    snprintf(vd->why + k2, sizeof vd->why - k2,
                             " (a result must depend on its item only, not "
                             "on the chunk, the engine or what ran "
                             "before)");
                } else
                    printf("  ok  %s; the same results as the first run\n",
                           summary[0] ? summary : "it ran");
            } else if (!rc) {
                printf("  ok  %s\n", summary[0] ? summary : "it ran");
            }
            pp_value_free(&y);
        }
    }
    if (!rc && st->reference[0]) {
        snprintf(vd->what, sizeof vd->what,
                 "map %s over [%" PRId64 ", %" PRId64 ") against built-in %s",
                 st->workload, st->a, st->b, st->reference);
        rc = map_once(r, st, st->reference, r->balanced, st->chunksizes[0],
                      &extra, &y, false, vd);
        if (!rc)
            rc = differ_verdict(vd, st->workload, &first, st->reference, &y,
                                st->tolerance);
        if (!rc)
            printf("  ok  %s: the same results\n", vd->what);
    }
out:
    pp_value_free(&first);
    pp_value_free(&y);
    pp_values_free(&extra);
    return rc;
}

/* scatter, out = workload(inputs..., extra...), gather out. */
static int execute_once(run_ctx *r, const step *st, const char *workload,
                        const char *output, const pp_values *extra,
                        pp_value *y, double *secs, verdict *vd)
{
    char inputs[256] = "";
    pp_error e = { 0 };
    int64_t t0 = pp_mono_ns();
    for (size_t k = 0; k < st->nscatter; k++) {
        size_t n = (size_t)(st->scatter_b[k] - st->scatter_a[k]);
        int64_t *x = malloc(n * sizeof *x);
        if (!x)
            return fail_step(vd, "no memory for %zu items", n);
        for (size_t i = 0; i < n; i++)
            x[i] = st->scatter_a[k] + (int64_t)i;
        pp_value seq;
        pp_value_take(&seq, PP_T_I64, x, n * sizeof *x);
        int rc = pp_view_scatter(r->direct, st->scatter_name[k], &seq, &e);
        pp_value_free(&seq);
        if (rc)
            return fail_step(vd, "scatter %s: %s", st->scatter_name[k],
                             e.msg);
        size_t len = strlen(inputs);
        snprintf(inputs + len, sizeof inputs - len, "%s%s", len ? "," : "",
                 st->scatter_name[k]);
    }
    if (pp_view_execute(r->direct, workload, inputs, output, extra->v,
                        extra->n, &e))
        return fail_step(vd, "%s", e.msg);
    if (pp_view_gather(r->direct, output, y, &e))
        return fail_step(vd, "gather %s: %s", output, e.msg);
    *secs = (double)(pp_mono_ns() - t0) / 1e9;
    return 0;
}

static int run_execute(run_ctx *r, const step *st, verdict *vd)
{
    pp_values extra = { 0 };
    pp_error e = { 0 };
    pp_value y = { 0 }, ref = { 0 };
    char inputs[256] = "";
    for (size_t k = 0; k < st->nscatter; k++) {
        size_t len = strlen(inputs);
        snprintf(inputs + len, sizeof inputs - len, "%s%s", len ? ", " : "",
                 st->scatter_name[k]);
    }
    snprintf(vd->what, sizeof vd->what, "execute out = %.60s(%.100s%s%.60s)",
             st->workload, inputs, st->args[0] ? ", " : "", st->args);
    if (parse_args(st->args, &extra, &e))
        return fail_step(vd, "check.conf:%d: extra: %s", st->line, e.msg);
    printf("  ..  scatter ");
    for (size_t k = 0; k < st->nscatter; k++)
        printf("%s%s = range(%" PRId64 ", %" PRId64 ")", k ? ", " : "",
               st->scatter_name[k], st->scatter_a[k], st->scatter_b[k]);
    printf("; %s; gather out\n", vd->what);
    fflush(stdout);
    double secs = 0, rsecs = 0;
    char summary[512];
    int rc = execute_once(r, st, st->workload, "check_out", &extra, &y,
                          &secs, vd);
    if (!rc)
        rc = judge_array(st, &y, (size_t)(st->scatter_b[0] - st->scatter_a[0]),
                         vd, summary, sizeof summary);
    if (!rc) {
        printf("  ok  %s%s; scatter, execute and gather took %.3f s\n",
               summary[0] ? "" : "it ran", summary, secs);
        r->wall += secs;
    }
    if (!rc && st->reference[0]) {
        rc = execute_once(r, st, st->reference, "check_ref", &extra, &ref,
                          &rsecs, vd);
        if (!rc)
            rc = differ_verdict(vd, st->workload, &y, st->reference, &ref,
                                st->tolerance);
        if (!rc)
            printf("  ok  the same results as built-in %s (%.3f s)\n",
                   st->reference, rsecs);
    }
    pp_value_free(&y);
    pp_value_free(&ref);
    pp_values_free(&extra);
    return rc;
}

/* The digits in chunks that overlap by one digit, each counted by the
 * student's workload and by the built-in `pairs`. */
static int run_pairs(run_ctx *r, const step *st, verdict *vd)
{
    pp_error e = { 0 };
    char *digits = NULL;
    pp_pi_run_stats ps;
    pp_pi_run_opts po = { .digits = (uint64_t)st->digits };
    pp_async *mine = NULL, *ref = NULL;
    uint64_t n = (uint64_t)st->digits, c = (uint64_t)st->chunk_digits;
    size_t nchunks = (size_t)((n - 1 + c - 1) / c);
    snprintf(vd->what, sizeof vd->what,
             "pairs: %s over the first %" PRIu64 " digits of pi in %zu "
             "chunks",
             st->workload, n, nchunks);
    printf("  ..  %s\n", vd->what);
    fflush(stdout);
    if (pp_pi_run(NULL, &po, &digits, &ps, &e))
        return fail_step(vd, "the digits of pi: %s", e.msg);
    int rc = 0;
    for (size_t k = 0; k < nchunks && !rc; k++) {
        uint64_t off = k * c, len = n - off < c + 1 ? n - off : c + 1;
        for (int which = 0; which < 2 && !rc; which++) {
            pp_value v;
            if (pp_value_bytes(&v, PP_T_BYTES, digits + off, (size_t)len))
                rc = fail_step(vd, "out of memory");
            else if (pp_view_submit(r->balanced, which ? &ref : &mine,
                                    which ? "pairs" : st->workload, &v, 1,
                                    &e))
                rc = fail_step(vd, "%s", e.msg);
        }
    }
    if (!rc)
        rc = wait_for(mine, r->timeout_s, vd);
    if (!rc && wait_for(ref, r->timeout_s, vd)) {
        char why[sizeof vd->why];
        snprintf(why, sizeof why, "%s", vd->why);
        rc = fail_step(vd, "built-in pairs: %s", why);
    }
    int64_t total[100] = { 0 };
    for (size_t k = 0; k < nchunks && !rc; k++) {
        const pp_values *g, *w;
        if (pp_async_result(mine, k, &g, &e) || pp_async_result(ref, k, &w, &e)) {
            rc = fail_step(vd, "%s", e.msg);
            break;
        }
        if (g->n != 1 || g->v[0].type != PP_T_I64
            || pp_value_count(&g->v[0]) != 100) {
            char got[160] = "nothing";
            if (g->n)
                repr_short(&g->v[0], got, sizeof got);
            rc = fail_step(vd,
                           "chunk %zu: expected one i64 array of 100 counts, "
                           "got %s",
                           k, got);
            break;
        }
        const int64_t *gc = pp_value_i64s(&g->v[0]),
                      *wc = pp_value_i64s(&w->v[0]);
        for (int p = 0; p < 100 && !rc; p++) {
            if (gc[p] != wc[p])
                rc = fail_step(vd,
                               "chunk %zu (digits [%" PRIu64 ", %" PRIu64
                               ")): pair %02d: expected %" PRId64
                               " (built-in pairs), got %" PRId64,
                               k, k * c, k * c + (n - k * c < c + 1 ? n - k * c : c + 1),
                               p, wc[p], gc[p]);
            total[p] += gc[p];
        }
    }
    if (!rc) {
        int64_t sum = 0, lo = 0, hi = 0;
        for (int p = 0; p < 100; p++) {
            sum += total[p];
            lo = p == 0 || total[p] < total[lo] ? p : lo;
            hi = p == 0 || total[p] > total[hi] ? p : hi;
        }
        printf("  ok  the counts of every chunk match built-in pairs; %"
               PRId64 " pairs in all (N-1 = %" PRIu64 "); fewest %02" PRId64
               " (%" PRId64 "), most %02" PRId64 " (%" PRId64 ")\n",
               sum, n - 1, lo, total[lo], hi, total[hi]);
        if ((uint64_t)sum != n - 1)
            rc = fail_step(vd, "%" PRId64 " pairs in all, expected N-1 = %"
                           PRIu64, sum, n - 1);
    }
    if (!rc)
        print_timing(mine, &r->wall, &r->serial);
    pp_async_destroy(&mine);
    pp_async_destroy(&ref);
    free(digits);
    return rc;
}

/* ---- the command ----------------------------------------------------- */

int cli_check(const cli_opts *o, int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "driver: check needs an exercise folder (driver "
                        "check exercises/NN-name [FILE.c])\n");
        return CLI_USAGE;
    }
    char dir[PP_PATH_MAX], conf[PP_PATH_MAX + 16], file[PP_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s", argv[1]);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    snprintf(conf, sizeof conf, "%s/check.conf", dir);
    if (argc == 3)
        snprintf(file, sizeof file, "%s", argv[2]);
    else
        snprintf(file, sizeof file, "%s/exercise.c", dir);

    check c;
    pp_error err = { 0 };
    if (parse_conf(conf, &c, &err)) {
        fprintf(stderr, "driver: check: %s\n", err.msg);
        return CLI_FAIL;
    }
    char name[CLI_MODULE_NAME_MAX + 1];
    char *src = NULL;
    size_t len = 0;
    if (cli_module_name(file, name, &err)
        || cli_module_read(file, &src, &len, &err)) {
        fprintf(stderr, "FAIL %s: %s\n", base, err.msg);
        return CLI_FAIL;
    }

    cli_session s;
    pp_view *direct = NULL, *balanced = NULL;
    cli_loaded ld;
    int rc = cli_open(o, &s, &err);
    if (!rc && (!(direct = pp_client_direct(s.client, NULL, 0, &err))
                || !(balanced = pp_client_balanced(s.client, &err))))
        rc = err.code;
    if (rc) {
        free(src);
        pp_view_destroy(&direct);
        cli_close(&s);
        fprintf(stderr, "driver: check: %s\n", err.msg);
        return cli_interrupted ? CLI_INTERRUPTED : CLI_FAIL;
    }
    size_t nt;
    const int64_t *ids = pp_view_targets(direct, &nt);
    printf("check %s%s%s%s: %s on engines ", base, c.title[0] ? " (" : "",
           c.title, c.title[0] ? ")" : "", file);
    pp_repr_i64s(stdout, ids, nt);
    putchar('\n');
    fflush(stdout);

    rc = cli_module_load(direct, name, file, src, len, &ld, &err);
    free(src);
    if (rc) {
        pp_view_destroy(&balanced);
        pp_view_destroy(&direct);
        cli_close(&s);
        if (cli_interrupted) {
            fprintf(stderr, "driver: interrupted\n");
            return CLI_INTERRUPTED;
        }
        fprintf(stderr, "FAIL %s: %s%s\n", base,
                ld.compile_failed ? "it did not compile: " : "", err.msg);
        return CLI_FAIL;
    }
    fputs(ld.report, stdout);
    printf("loaded module '%s' (%s)\n", name, ld.names);
    fflush(stdout);

    run_ctx r = { s.client, direct, balanced, c.timeout_s, 0, 0 };
    pp_view_set_timeout(direct, c.timeout_s);
    pp_view_set_timeout(balanced, c.timeout_s);
    verdict vd = { 0 };
    int failed = 0;
    for (size_t i = 0; i < c.n && !failed && !cli_interrupted; i++) {
        const step *st = &c.steps[i];
        switch (st->kind) {
        case STEP_APPLY: failed = run_apply(&r, st, &vd); break;
        case STEP_MAP: failed = run_map(&r, st, &vd); break;
        case STEP_EXECUTE: failed = run_execute(&r, st, &vd); break;
        case STEP_PAIRS: failed = run_pairs(&r, st, &vd); break;
        }
        fflush(stdout);
    }

    /* A module that was loaded before, as it is, stays; one the check
     * loaded (or replaced) goes.  Not when an engine may still be
     * running it: the unload would wait behind it. */
    int urc = 0;
    pp_error uerr = { 0 };
    if (ld.unchanged)
        printf("module '%s' was loaded before the check and stays loaded\n",
               name);
    else if (!vd.timed_out && !cli_interrupted) {
        urc = cli_module_unload(o, direct, name, &uerr);
        if (!urc)
            printf("unloaded module '%s'%s\n", name,
                   ld.replaced ? " (it had replaced the one loaded before: "
                                 "driver load it again to use it)"
                               : "");
    }
    pp_view_destroy(&balanced);
    pp_view_destroy(&direct);
    cli_close(&s);
    if (cli_interrupted) {
        fprintf(stderr, "driver: interrupted\n");
        return CLI_INTERRUPTED;
    }
    if (failed) {
        fflush(stdout);
        fprintf(stderr, "FAIL %s: %s: %s\n", base, vd.what, vd.why);
        return CLI_FAIL;
    }
    printf("PASS %s (%s): %zu step%s; wall %.3f s, serial %.3f s, speedup "
           "%.2f\n",
           base, file, c.n, c.n == 1 ? "" : "s", r.wall, r.serial,
           r.wall > 0 ? r.serial / r.wall : 0);
    if (urc) {
        fprintf(stderr, "driver: check: passed, but unload %s: %s\n", name,
                uerr.msg);
        return CLI_FAIL;
    }
    return CLI_OK;
}
