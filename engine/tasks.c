/* tasks.c - what an engine does with a task, apart from sockets: run a
 * workload (its own load, unload and workloads, a loaded module's, or a
 * built-in one), execute into the namespace, push and pull.  The engine's
 * loop and the fuzzer both call it. */
#include "tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* Reads a str value into buf as a C string. */
static int str_arg(const pp_values *in, size_t i, const char *what,
                   char *buf, size_t size, pp_error *err)
{
    if (i >= in->n || in->v[i].type != PP_T_STR || in->v[i].size == 0
        || in->v[i].size >= size)
        return pp_error_set(err, PP_EINVAL, "the task lacks its %s", what);
    memcpy(buf, in->v[i].data, in->v[i].size);
    buf[in->v[i].size] = '\0';
    return 0;
}

/* The `workloads` workload of an engine: the built-in table, the
 * engine's own load and unload, then the loaded modules' workloads with
 * their module's name as a third field. */
static int list_workloads(const modules *mods, size_t nargs,
                          pp_values *out, pp_error *err)
{
    if (nargs != 0)
        return pp_error_set(err, PP_EINVAL, "workloads: takes no arguments");
    size_t count, len = 0;
    const pp_workload *table = pp_workloads(&count);
    static const pp_workload own[] = {
        { "load", "loads a module of workloads (driver load FILE.c)",
          NULL },
        { "unload", "removes a loaded module (driver unload NAME)", NULL },
    };
    char *text = NULL;
    for (size_t i = 0; i < count + 2; i++) {
        const pp_workload *w = i < count ? &table[i] : &own[i - count];
        size_t add = strlen(w->name) + strlen(w->summary) + 2;
        char *grown = realloc(text, len + add + 1);
        if (!grown) {
            free(text);
            return pp_error_set(err, PP_ENOMEM, "workloads: out of memory");
        }
        text = grown;
        len += (size_t)sprintf(text + len, "%s\t%s\n", w->name, w->summary);
    }
    if (modules_list(mods, &text, &len)) {
        free(text);
        return pp_error_set(err, PP_ENOMEM, "workloads: out of memory");
    }
    pp_value v;
    pp_value_take(&v, PP_T_STR, text, len);
    if (pp_values_push(out, &v)) {
        pp_value_free(&v);
        return pp_error_set(err, PP_ENOMEM, "workloads: out of memory");
    }
    return 0;
}

/* Runs the workload `name`: the engine's own (load, unload, workloads),
 * a loaded module's, or a built-in one. */
static int run_workload(modules *mods, const char *name,
                        const pp_value *args, size_t nargs, pp_values *out,
                        pp_error *err)
{
    if (strcmp(name, "load") == 0)
        return modules_load_run(mods, args, nargs, out, err);
    if (strcmp(name, "unload") == 0)
        return modules_unload_run(mods, args, nargs, out, err);
    if (strcmp(name, "workloads") == 0)
        return list_workloads(mods, nargs, out, err);
    const char *module;
    const pp_workload *w = modules_find(mods, name, &module);
    if (w) {
        /* A student's workload: whatever it returns or leaves in err,
         * the client gets a negative code and a line naming it. */
        err->msg[0] = '\0';
        int rc = w->run(args, nargs, out, err);
        if (rc == 0)
            return 0;
        if (rc < PP_EOVERFLOW || rc > 0)
            rc = PP_EINVAL;
        err->code = rc;
        err->msg[sizeof err->msg - 1] = '\0';
        if (!err->msg[0])
            snprintf(err->msg, sizeof err->msg,
                     "failed without a message (returned %d)", rc);
        pp_error_prefix(err, "%s: ", name);
        return rc;
    }
    w = pp_workload_find(name);
    if (!w)
        return pp_error_set(err, PP_ENOENT, "no workload named '%s'", name);
    return w->run(args, nargs, out, err);
}

/* execute: out = workload(namespace[inputs...], extra args...). */
static int run_execute(pp_namespace *ns, modules *mods, const pp_header *h,
                       const pp_values *in, pp_error *err)
{
    char inputs[256], output[PP_NAME_MAX * 4];
    int rc = str_arg(in, 0, "input names", inputs, sizeof inputs, err);
    if (!rc)
        rc = str_arg(in, 1, "output name", output, sizeof output, err);
    if (rc)
        return rc;
    pp_value args[PP_MAX_VALUES];
    size_t nargs = 0;
    ns_part part = { 0, 0, 0 }; /* the output is the block of its input */
    for (char *save = NULL, *name = strtok_r(inputs, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        ns_part in_part;
        const pp_value *v = ns_get(ns, name, &in_part);
        if (v && part.count == 0)
            part = in_part;
        if (!v)
            return pp_error_set(err, PP_ENOENT,
                                "no variable '%s' (scatter or push it "
                                "first)",
                                name);
        if (nargs == PP_MAX_VALUES)
            return pp_error_set(err, PP_EINVAL, "too many inputs");
        pp_value_borrow(&args[nargs++], v->type, v->data, v->size);
    }
    for (size_t i = 2; i < in->n && nargs < PP_MAX_VALUES; i++)
        pp_value_borrow(&args[nargs++], in->v[i].type, in->v[i].data,
                        in->v[i].size);
    pp_values out = { 0 };
    rc = run_workload(mods, h->name, args, nargs, &out, err);
    if (!rc && out.n != 1)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s returned %zu values; execute stores exactly "
                          "one",
                          h->name, out.n);
    if (!rc && ns_set(ns, output, &out.v[0], &part))
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    pp_values_free(&out);
    return rc;
}

int engine_run_task(pp_namespace *ns, modules *mods, const pp_header *h,
                    pp_values *in, pp_values *out, pp_error *err)
{
    char name[PP_NAME_MAX * 4];
    switch (h->kind) {
    case PP_TASK_APPLY:
        return run_workload(mods, h->name, in->v, in->n, out, err);
    case PP_TASK_EXECUTE:
        return run_execute(ns, mods, h, in, err);
    case PP_TASK_PUSH: {
        int rc = str_arg(in, 0, "variable name", name, sizeof name, err);
        if (rc)
            return rc;
        if (in->n != 2 && in->n != 3)
            return pp_error_set(err, PP_EINVAL, "push of '%s' needs a value",
                                name);
        ns_part part = { 0, 0, 0 };
        if (in->n == 3) {
            /* A block of a scatter: i64 [scatter, index, count]. */
            const int64_t *p = pp_value_i64s(&in->v[2]);
            if (in->v[2].type != PP_T_I64 || pp_value_count(&in->v[2]) != 3
                || p[2] < 1 || p[2] > INT32_MAX || p[1] < 0 || p[1] >= p[2])
                return pp_error_set(err, PP_EINVAL,
                                    "push of '%s': its part must be i64 "
                                    "[scatter, index, count] with 0 <= "
                                    "index < count",
                                    name);
            part = (ns_part){ p[0], p[1], p[2] };
        }
        return ns_set(ns, name, &in->v[1], &part)
                   ? pp_error_set(err, PP_ENOMEM, "out of memory")
                   : 0;
    }
    case PP_TASK_PULL: {
        int rc = str_arg(in, 0, "variable name", name, sizeof name, err);
        if (rc)
            return rc;
        ns_part part;
        const pp_value *v = ns_get(ns, name, &part);
        if (!v)
            return pp_error_set(err, PP_ENOENT, "no variable '%s'", name);
        pp_value copy;
        if (pp_value_copy(&copy, v) || pp_values_push(out, &copy))
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        int64_t p[3] = { part.scatter, part.index, part.count };
        if (part.count
            && (pp_value_i64(&copy, p, 3) || pp_values_push(out, &copy)))
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        return 0;
    }
    default:
        return pp_error_set(err, PP_EPROTO, "unknown task kind %u", h->kind);
    }
}
