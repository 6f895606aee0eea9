/* module.c - loading a module on every engine of a view: prepare (compile,
 * or the cache) everywhere, then commit everywhere only if every engine
 * prepared it, else abort everywhere (engine/modules.h has the engine's
 * side of the two phases). */
#include "pipar/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipar/value.h"

int pp_module_name(const char *file, char name[PP_MODULE_NAME_MAX + 1],
                   pp_error *err)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 2 && strcmp(base + n - 2, ".c") == 0)
        n -= 2;
    bool ok = n > 0 && n <= PP_MODULE_NAME_MAX && base[0] != '.';
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_-.",
                    base[i])
             != NULL;
    if (!ok)
        return pp_error_set(err, PP_EINVAL,
                            "'%s' does not name a module (1 to %d letters, "
                            "digits, '_', '-' or '.' before .c)",
                            file, PP_MODULE_NAME_MAX);
    memcpy(name, base, n);
    name[n] = '\0';
    return 0;
}

void pp_module_report_free(pp_module_report **report)
{
    pp_module_report *r = *report;
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->engines[i].messages);
    free(r->engines);
    free(r->workloads);
    free(r);
    *report = NULL;
}

/* Value i of vals as a new string ("" when it is not a str); NULL only
 * when out of memory. */
static char *str_dup(const pp_values *vals, size_t i)
{
    if (i >= vals->n || vals->v[i].type != PP_T_STR)
        return strdup("");
    return pp_value_strdup(&vals->v[i]);
}

static bool str_is(const pp_values *vals, size_t i, const char *s)
{
    size_t n = strlen(s);
    return i < vals->n && vals->v[i].type == PP_T_STR
           && vals->v[i].size == n && memcmp(vals->v[i].data, s, n) == 0;
}

/* Appends "; what" (or "what" first) to a summary line. */
static void add_reason(char *line, size_t size, const char *what)
{
    size_t n = strlen(line);
    if (n + 3 < size)
        snprintf(line + n, size - n, "%s%.*s", n ? "; " : "",
                 (int)(size - n - 3), what);
}

/* Runs `load PHASE NAME` on every engine of v; *a gets the answers. */
static int load_phase(pp_view *v, const char *phase, const char *name,
                      pp_async **a, pp_error *err)
{
    pp_value args[2] = { 0 };
    int rc = pp_value_str(&args[0], phase) || pp_value_str(&args[1], name)
                 ? pp_error_set(err, PP_ENOMEM, "load: out of memory")
                 : pp_view_apply(v, "load", args, 2, a, err);
    pp_value_free(&args[0]);
    pp_value_free(&args[1]);
    return rc;
}

/* What each engine said to "prepare", into r; the failures' summary into
 * failures.  Returns how many engines cannot take it. */
static size_t read_prepared(pp_view *v, pp_async *a, const char *file,
                            pp_module_report *r, char *failures,
                            size_t size)
{
    size_t nt, nfailed = 0;
    const int64_t *ids = pp_view_targets(v, &nt);
    r->unchanged = true;
    for (size_t i = 0; i < r->n; i++) {
        pp_module_engine *e = &r->engines[i];
        e->engine = i < nt ? ids[i] : -1;
        const pp_values *vals;
        pp_error why;
        if (i >= pp_async_len(a) || pp_async_result(a, i, &vals, &why)) {
            e->state = PP_MODULE_NO_ANSWER;
            e->messages = strdup(i < pp_async_len(a) ? why.msg
                                                     : "no answer");
            add_reason(failures, size, e->messages ? e->messages : "");
            nfailed++;
            r->unchanged = false;
            continue;
        }
        if (str_is(vals, 0, "failed")) {
            e->state = PP_MODULE_FAILED;
            e->messages = str_dup(vals, 2);
            char line[512];
            snprintf(line, sizeof line,
                     "%s did not compile on engine %lld", file,
                     (long long)e->engine);
            add_reason(failures, size, line);
            nfailed++;
            r->unchanged = false;
            continue;
        }
        e->state = str_is(vals, 0, "compiled") ? PP_MODULE_COMPILED
                   : str_is(vals, 0, "cached") ? PP_MODULE_CACHED
                                               : PP_MODULE_UNCHANGED;
        r->unchanged &= e->state == PP_MODULE_UNCHANGED;
        if (vals->n > 3 && vals->v[3].type == PP_T_F64
            && vals->v[3].size == sizeof(double))
            e->compile_s = pp_value_f64s(&vals->v[3])[0];
        if (!r->workloads)
            r->workloads = str_dup(vals, 1);
    }
    return nfailed;
}

/* Whether engine id is registered now (asked of the controller). */
static bool registered(pp_view *v, int64_t id)
{
    int64_t *ids = NULL;
    size_t n = 0;
    pp_error ignored;
    if (pp_client_ids(pp_view_client(v), &ids, &n, &ignored))
        return true; /* cannot tell: count it as a refusal, not a death */
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = ids[i] == id;
    free(ids);
    return found;
}

/* What each engine said to "commit".  An engine that is gone since it
 * prepared (killed, or its heartbeats stopped) leaves the others with the
 * module, as if it had died just after: the load stands, and its entry
 * says NO_ANSWER with why.  An engine that is there and refused (a
 * module loaded meanwhile that clashes) undoes the load everywhere. */
static int read_committed(pp_view *v, pp_async *a, const char *name,
                          pp_module_report *r, pp_error *err)
{
    char refused[1024] = "";
    for (size_t i = 0; i < r->n && i < pp_async_len(a); i++) {
        const pp_values *vals;
        pp_error why;
        if (pp_async_result(a, i, &vals, &why) == 0) {
            r->replaced |= str_is(vals, 0, "replaced");
            continue;
        }
        pp_module_engine *e = &r->engines[i];
        e->state = PP_MODULE_NO_ANSWER;
        free(e->messages);
        e->messages = strdup(why.msg);
        r->unchanged = false;
        if (registered(v, e->engine))
            add_reason(refused, sizeof refused, why.msg);
    }
    if (!*refused)
        return 0;
    pp_async *u = NULL;
    pp_value arg;
    pp_error ignored;
    if (pp_value_str(&arg, name) == 0) {
        pp_view_apply(v, "unload", &arg, 1, &u, &ignored);
        pp_value_free(&arg);
    }
    pp_async_destroy(&u);
    return pp_error_set(err, PP_EREMOTE,
                        "load: nothing was loaded (it was unloaded from "
                        "the engines that took it): %s",
                        refused);
}

int pp_view_load_module(pp_view *v, const char *name, const char *file,
                        const char *src, size_t len,
                        pp_module_report **report, pp_error *err)
{
    if (report)
        *report = NULL;
    if (len > PP_MODULE_SOURCE_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "load: %s is %zu bytes; a module may have at "
                            "most %d",
                            file, len, PP_MODULE_SOURCE_MAX);
    pp_async *a = NULL;
    pp_value args[4] = { 0 };
    int rc = 0;
    if (pp_value_str(&args[0], "prepare") || pp_value_str(&args[1], name)
        || pp_value_str(&args[2], file)
        || pp_value_bytes(&args[3], PP_T_STR, src, len))
        rc = pp_error_set(err, PP_ENOMEM, "load: out of memory");
    if (!rc)
        rc = pp_view_apply(v, "load", args, 4, &a, err);
    for (int i = 0; i < 4; i++)
        pp_value_free(&args[i]);
    if (rc && (!a || !pp_async_ready(a))) {
        pp_async_destroy(&a);
        return rc;
    }

    size_t nt;
    pp_view_targets(v, &nt);
    pp_module_report *r = calloc(1, sizeof *r);
    if (r && nt && !(r->engines = calloc(nt, sizeof *r->engines)))
        pp_module_report_free(&r);
    if (!r) {
        pp_async_destroy(&a);
        load_phase(v, "abort", name, &a, err);
        pp_async_destroy(&a);
        return pp_error_set(err, PP_ENOMEM, "load: out of memory");
    }
    r->n = nt;
    char failures[1024] = "";
    size_t nfailed = read_prepared(v, a, file, r, failures, sizeof failures);
    pp_async_destroy(&a);
    if (nfailed) {
        pp_error ignored;
        load_phase(v, "abort", name, &a, &ignored);
        pp_async_destroy(&a);
        rc = pp_error_set(err, PP_EINVAL, "load: nothing was loaded: %s",
                          failures);
        goto out;
    }

    rc = load_phase(v, "commit", name, &a, err);
    if (rc && (!a || !pp_async_ready(a))) {
        pp_async_destroy(&a);
        pp_error_prefix(err, "load: ");
        goto out;
    }
    rc = read_committed(v, a, name, r, err);
    pp_async_destroy(&a);
    if (rc)
        goto out;
    if (!r->workloads)
        r->workloads = strdup("");
    for (char *c = r->workloads; c && *c; c++)
        if (*c == ',')
            *c = ' ';
out:
    if (report)
        *report = r;
    else
        pp_module_report_free(&r);
    return rc;
}
