/* view.c - the direct view. */
#include "client_internal.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partition.h"

struct pp_view {
    pp_client *client;
    bool balanced;
    int64_t *targets; /* direct views */
    size_t n;
    double timeout_s; /* how long blocking calls wait */
    int64_t run;      /* the controller's run whose engine ids targets
                         holds (client.c, note_epoch); 0: unknown */
    pp_task_opts flags;
    uint64_t *after;  /* flags.after, owned */
    uint32_t *take;   /* flags.after_take, owned */
    uint64_t *follow; /* flags.follow, owned */
};

/* Whether every one of targets[0..n) is among ids[0..nids); names the
 * first that is not in err. */
static int check_targets(const int64_t *targets, size_t n,
                         const int64_t *ids, size_t nids, pp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < nids && !found; k++)
            found = ids[k] == targets[i];
        if (found)
            continue;
        char list[200] = "";
        size_t len = 0;
        for (size_t k = 0; k < nids && len < sizeof list - 24; k++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%lld",
                                    k ? ", " : "", (long long)ids[k]);
        return pp_error_set(err, PP_ENOENT,
                            "no engine %lld is registered (engines: %s)",
                            (long long)targets[i], nids ? list : "none");
    }
    return 0;
}

pp_view *pp_client_direct(pp_client *c, const int64_t *targets, size_t n,
                          pp_error *err)
{
    /* The engines registered now, and the controller's run that numbered
     * them: after a restart the same id may name another engine, and the
     * controller refuses a task that names an id of an earlier run. */
    int64_t *ids = NULL, *now = NULL;
    size_t nnow = 0;
    if (pp_client_ids(c, &now, &nnow, err))
        return NULL;
    if (targets) {
        if (check_targets(targets, n, now, nnow, err)) {
            free(now);
            return NULL;
        }
        ids = malloc(n * sizeof *ids + 1);
        if (ids)
            memcpy(ids, targets, n * sizeof *ids);
        free(now);
    } else {
        ids = now;
        n = nnow;
    }
    if (!ids) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    if (n == 0) {
        free(ids);
        pp_error_set(err, PP_ENOENT, "no engines are registered");
        return NULL;
    }
    pp_view *v = malloc(sizeof *v);
    if (!v) {
        free(ids);
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    *v = (pp_view){ .client = c, .targets = ids, .n = n, .timeout_s = -1,
                    .run = c->epoch };
    return v;
}

pp_view *pp_client_balanced(pp_client *c, pp_error *err)
{
    pp_view *v = calloc(1, sizeof *v);
    if (!v) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    v->client = c;
    v->balanced = true;
    v->n = 1; /* one task per apply */
    v->timeout_s = -1;
    return v;
}

int pp_view_set_flags(pp_view *v, const pp_task_opts *opts, pp_error *err)
{
    /* Refused before anything changes: the flags stay as they were. */
    int64_t ms;
    if (opts && opts->nfollow && (!v->balanced || !opts->follow))
        return pp_error_set(err, PP_EINVAL,
                            !v->balanced
                                ? "follow is for a load-balanced view's "
                                  "tasks (a direct view names its engines)"
                                : "follow names %zu tasks but gives no ids",
                            opts->nfollow);
    if (opts && (pp_task_timeout_ms(opts->timeout_s, &ms, err)
                 || pp_task_limit_ms(opts->time_limit_s, &ms, err)
                 || client_check_after_args(opts->after_args, err)))
        return err->code;
    free(v->after);
    v->after = NULL;
    free(v->take);
    v->take = NULL;
    free(v->follow);
    v->follow = NULL;
    memset(&v->flags, 0, sizeof v->flags);
    if (!opts)
        return 0;
    v->flags = *opts;
    v->flags.after = NULL;
    v->flags.after_take = NULL;
    v->flags.nafter = 0;
    v->flags.follow = NULL;
    v->flags.nfollow = 0;
    if (opts->nfollow) {
        v->follow = malloc(opts->nfollow * sizeof *v->follow);
        if (!v->follow)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        memcpy(v->follow, opts->follow, opts->nfollow * sizeof *v->follow);
        v->flags.follow = v->follow;
        v->flags.nfollow = opts->nfollow;
    }
    if (opts->nafter) {
        v->after = malloc(opts->nafter * sizeof *v->after);
        v->take = opts->after_take && v->after
                      ? malloc(opts->nafter * sizeof *v->take)
                      : NULL;
        if (!v->after || (opts->after_take && !v->take)) {
            free(v->after);
            v->after = NULL;
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        }
        memcpy(v->after, opts->after, opts->nafter * sizeof *v->after);
        if (v->take)
            memcpy(v->take, opts->after_take, opts->nafter * sizeof *v->take);
        v->flags.after = v->after;
        v->flags.after_take = v->take;
        v->flags.nafter = opts->nafter;
    }
    return 0;
}

void pp_view_destroy(pp_view **view_p)
{
    if (!*view_p)
        return;
    free((*view_p)->after);
    free((*view_p)->take);
    free((*view_p)->follow);
    free((*view_p)->targets);
    free(*view_p);
    *view_p = NULL;
}

const int64_t *pp_view_targets(const pp_view *v, size_t *n)
{
    *n = v->balanced ? 0 : v->n;
    return v->targets;
}

pp_view *pp_view_one(const pp_view *v, size_t i, pp_error *err)
{
    if (v->balanced) {
        pp_error_set(err, PP_EINVAL, "a load-balanced view names no engines");
        return NULL;
    }
    if (i >= v->n) {
        pp_error_set(err, PP_EINVAL, "no engine %zu in a view of %zu", i,
                     v->n);
        return NULL;
    }
    int64_t *id = malloc(sizeof *id);
    pp_view *one = malloc(sizeof *one);
    if (!id || !one) {
        free(id);
        free(one);
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    *id = v->targets[i];
    *one = (pp_view){ .client = v->client, .targets = id, .n = 1,
                      .timeout_s = v->timeout_s, .run = v->run };
    return one;
}

pp_client *pp_view_client(const pp_view *v)
{
    return v->client;
}

void pp_view_set_timeout(pp_view *v, double timeout_s)
{
    v->timeout_s = timeout_s;
}

/* Sends one task per target.  make() fills the values for target p as
 * borrowed views; the send copies them. */
typedef int make_fn(void *ctx, size_t p, pp_value *vals, size_t *n,
                    pp_error *err);

static pp_async *send_tasks(pp_view *v, size_t ntasks, pp_task_kind kind,
                            const char *name, make_fn *make, void *ctx,
                            pp_error *err)
{
    pp_async *a = NULL;
    v->client->batch++;
    for (size_t p = 0; p < ntasks; p++) {
        pp_value vals[PP_MAX_VALUES];
        size_t n = 0;
        int32_t target = v->balanced ? -1 : (int32_t)v->targets[p];
        if (make(ctx, p, vals, &n, err)
            || pp_client_submit(v->client, &a, kind, name, target,
                                v->balanced ? 0 : v->run, &v->flags, vals,
                                n, err)) {
            if (--v->client->batch == 0 && v->client->nheld)
                client_release_held(v->client);
            if (a) {
                /* Sent tasks still run; wait, so none is left behind
                 * writing into a namespace the caller thinks unchanged. */
                pp_error ignored;
                pp_async_wait(a, v->timeout_s, &ignored);
                pp_async_destroy(&a);
            }
            return NULL;
        }
    }
    if (--v->client->batch == 0 && v->client->nheld)
        client_release_held(v->client);
    return a;
}

int pp_view_submit(pp_view *v, pp_async **a, const char *workload,
                   pp_value *vals, size_t n, pp_error *err)
{
    int32_t target = v->balanced ? -1 : (int32_t)v->targets[0];
    return pp_client_submit(v->client, a, PP_TASK_APPLY, workload, target,
                            v->balanced ? 0 : v->run, &v->flags, vals, n,
                            err);
}

/* One task per engine of a direct view; one task on a balanced view. */
static pp_async *send_each(pp_view *v, pp_task_kind kind, const char *name,
                           make_fn *make, void *ctx, pp_error *err)
{
    return send_tasks(v, v->n, kind, name, make, ctx, err);
}

static int finish(pp_view *v, pp_async *a, pp_async **result, pp_error *err)
{
    if (!a)
        return err->code ? err->code : PP_EINVAL;
    int rc = pp_async_wait(a, v->timeout_s, err);
    if (!rc)
        rc = pp_async_first_error(a, err);
    if (result)
        *result = a;
    else
        pp_async_destroy(&a);
    return rc;
}

typedef struct args_ctx {
    const pp_value *args;
    size_t nargs;
} args_ctx;

static int make_apply(void *ctx, size_t p, pp_value *vals, size_t *n,
                      pp_error *err)
{
    args_ctx *c = ctx;
    (void)p;
    if (c->nargs > PP_MAX_VALUES)
        return pp_error_set(err, PP_EINVAL, "%zu arguments, at most %d",
                            c->nargs, PP_MAX_VALUES);
    for (size_t i = 0; i < c->nargs; i++)
        pp_value_borrow(&vals[i], c->args[i].type, c->args[i].data,
                        c->args[i].size);
    *n = c->nargs;
    return 0;
}

pp_async *pp_view_apply_async(pp_view *v, const char *workload,
                              const pp_value *args, size_t nargs,
                              pp_error *err)
{
    args_ctx c = { args, nargs };
    return send_each(v, PP_TASK_APPLY, workload, make_apply, &c, err);
}

int pp_view_apply(pp_view *v, const char *workload, const pp_value *args,
                  size_t nargs, pp_async **result, pp_error *err)
{
    return finish(v, pp_view_apply_async(v, workload, args, nargs, err),
                  result, err);
}

typedef struct scatter_ctx {
    const char *name;
    const pp_value *seq;
    size_t parts;
    int64_t scatter; /* names this scatter in every block's part */
    int64_t *part;   /* [scatter, index, count] for each block */
} scatter_ctx;

/* Each block goes with its part, so that a gather can put the blocks
 * back in order whatever the engines' ids are by then, and can tell a
 * block that is gone with its engine (engine/namespace.h). */
static int make_scatter(void *ctx, size_t p, pp_value *vals, size_t *n,
                        pp_error *err)
{
    scatter_ctx *c = ctx;
    (void)err;
    size_t lo, hi;
    pp_partition(pp_value_count(c->seq), c->parts, p, &lo, &hi);
    pp_value_borrow(&vals[0], PP_T_STR, c->name, strlen(c->name));
    pp_value_borrow(&vals[1], c->seq->type, (char *)c->seq->data + lo * 8,
                    (hi - lo) * 8);
    int64_t *part = &c->part[3 * p];
    part[0] = c->scatter;
    part[1] = (int64_t)p;
    part[2] = (int64_t)c->parts;
    pp_value_borrow(&vals[2], PP_T_I64, part, 3 * sizeof *part);
    *n = 3;
    return 0;
}

int pp_view_scatter(pp_view *v, const char *name, const pp_value *seq,
                    pp_error *err)
{
    if (v->balanced)
        return pp_error_set(err, PP_EINVAL,
                            "scatter, execute and gather need a direct "
                            "view");
    if (seq->type != PP_T_I64 && seq->type != PP_T_F64)
        return pp_error_set(err, PP_EINVAL,
                            "scatter '%s': only i64 and f64 arrays can be "
                            "scattered, not %s",
                            name, pp_type_name(seq->type));
    if (!*name || strlen(name) >= PP_NAME_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "scatter: a name needs 1 to %d characters",
                            PP_NAME_MAX - 1);
    scatter_ctx c = { name, seq, v->n, (int64_t)pp_msg_id_next(),
                      malloc(3 * v->n * sizeof(int64_t) + 1) };
    if (!c.part)
        return pp_error_set(err, PP_ENOMEM, "scatter: out of memory");
    int rc = finish(v, send_each(v, PP_TASK_PUSH, "push", make_scatter, &c,
                                 err),
                    NULL, err);
    free(c.part);
    return rc;
}

typedef struct execute_ctx {
    const char *inputs;
    const char *output;
    const pp_value *extra;
    size_t nextra;
} execute_ctx;

static int make_execute(void *ctx, size_t p, pp_value *vals, size_t *n,
                        pp_error *err)
{
    execute_ctx *c = ctx;
    (void)p;
    if (c->nextra + 2 > PP_MAX_VALUES)
        return pp_error_set(err, PP_EINVAL, "too many extra arguments");
    pp_value_borrow(&vals[0], PP_T_STR, c->inputs, strlen(c->inputs));
    pp_value_borrow(&vals[1], PP_T_STR, c->output, strlen(c->output));
    for (size_t i = 0; i < c->nextra; i++)
        pp_value_borrow(&vals[2 + i], c->extra[i].type, c->extra[i].data,
                        c->extra[i].size);
    *n = 2 + c->nextra;
    return 0;
}

int pp_view_execute(pp_view *v, const char *workload, const char *inputs,
                    const char *output, const pp_value *extra,
                    size_t nextra, pp_error *err)
{
    if (v->balanced)
        return pp_error_set(err, PP_EINVAL,
                            "scatter, execute and gather need a direct "
                            "view");
    if (!*inputs || !*output)
        return pp_error_set(err, PP_EINVAL,
                            "execute %s: needs input and output names",
                            workload);
    execute_ctx c = { inputs, output, extra, nextra };
    return finish(v, send_each(v, PP_TASK_EXECUTE, workload, make_execute,
                               &c, err),
                  NULL, err);
}

static int make_pull(void *ctx, size_t p, pp_value *vals, size_t *n,
                     pp_error *err)
{
    const char *name = ctx;
    (void)p;
    (void)err;
    pp_value_borrow(&vals[0], PP_T_STR, name, strlen(name));
    *n = 1;
    return 0;
}

/* The block of engine slot p: its value, and its part (count 0 when the
 * value was pushed, not scattered). */
typedef struct gather_block {
    const pp_value *value;
    int64_t scatter, index, count;
} gather_block;

/* Puts the blocks in the order they were scattered in, or refuses: a
 * block missing (its engine died or left), two with the same index, or
 * blocks of different scatters.  Blocks without parts keep the view's
 * order (values pushed, not scattered). */
static int order_blocks(const char *name, gather_block *b, size_t n,
                        pp_error *err)
{
    size_t with_part = 0;
    for (size_t p = 0; p < n; p++)
        with_part += b[p].count > 0;
    if (with_part == 0)
        return 0;
    if (with_part != n)
        return pp_error_set(err, PP_EINVAL,
                            "gather '%s': some engines hold a block of a "
                            "scatter and some a pushed value",
                            name);
    size_t count = (size_t)b[0].count;
    for (size_t p = 1; p < n; p++)
        if (b[p].scatter != b[0].scatter || (size_t)b[p].count != count)
            return pp_error_set(err, PP_EINVAL,
                                "gather '%s': the engines hold blocks of "
                                "different scatters (scatter it again)",
                                name);
    gather_block *sorted = calloc(count, sizeof *sorted);
    if (!sorted)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t p = 0; !rc && p < n; p++) {
        size_t k = (size_t)b[p].index;
        if (k >= count || sorted[k].value)
            rc = pp_error_set(err, PP_EINVAL,
                              "gather '%s': block %zu of %zu is held twice",
                              name, k + 1, count);
        else
            sorted[k] = b[p];
    }
    for (size_t k = 0; !rc && k < count; k++)
        if (!sorted[k].value)
            rc = pp_error_set(err, PP_EINVAL,
                              "gather '%s': block %zu of %zu is missing: "
                              "the engine that held it is gone (scatter "
                              "again)",
                              name, k + 1, count);
    if (!rc)
        memcpy(b, sorted, count * sizeof *b);
    free(sorted);
    return rc;
}

typedef struct push_ctx {
    const char *name;
    const pp_value *value;
} push_ctx;

static int make_push(void *ctx, size_t p, pp_value *vals, size_t *n,
                     pp_error *err)
{
    push_ctx *c = ctx;
    (void)p;
    (void)err;
    pp_value_borrow(&vals[0], PP_T_STR, c->name, strlen(c->name));
    pp_value_borrow(&vals[1], c->value->type, c->value->data,
                    c->value->size);
    *n = 2;
    return 0;
}

static int check_name(const pp_view *v, const char *what, const char *name,
                      pp_error *err)
{
    if (v->balanced)
        return pp_error_set(err, PP_EINVAL, "%s needs a direct view", what);
    if (!*name || strlen(name) >= PP_NAME_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "%s: a name needs 1 to %d characters", what,
                            PP_NAME_MAX - 1);
    return 0;
}

int pp_view_push(pp_view *v, const char *name, const pp_value *value,
                 pp_error *err)
{
    if (check_name(v, "push", name, err))
        return err->code;
    push_ctx c = { name, value };
    return finish(v, send_each(v, PP_TASK_PUSH, "push", make_push, &c, err),
                  NULL, err);
}

int pp_view_pull(pp_view *v, const char *name, pp_values *out,
                 pp_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_name(v, "pull", name, err))
        return err->code;
    pp_async *a = NULL;
    int rc = finish(v, send_each(v, PP_TASK_PULL, "pull", make_pull,
                                 (void *)name, err),
                    &a, err);
    for (size_t p = 0; !rc && p < v->n; p++) {
        const pp_values *vals;
        pp_value copy = { 0 };
        rc = pp_async_result(a, p, &vals, err);
        /* A block of a scatter comes with its part (engine/namespace.h),
         * which pull leaves out. */
        if (!rc && vals->n != 1 && vals->n != 2)
            rc = pp_error_set(err, PP_EPROTO,
                              "pull '%s': engine %lld sent %zu values", name,
                              (long long)v->targets[p], vals->n);
        if (!rc && (pp_value_copy(&copy, &vals->v[0])
                    || pp_values_push(out, &copy))) {
            pp_value_free(&copy);
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
        }
    }
    if (rc)
        pp_values_free(out);
    pp_async_destroy(&a);
    return rc;
}

int pp_view_gather(pp_view *v, const char *name, pp_value *out,
                   pp_error *err)
{
    if (v->balanced)
        return pp_error_set(err, PP_EINVAL,
                            "scatter, execute and gather need a direct "
                            "view");
    memset(out, 0, sizeof *out);
    pp_async *a = NULL;
    int rc = finish(v, send_each(v, PP_TASK_PULL, "pull", make_pull,
                                 (void *)name, err),
                    &a, err);
    gather_block *b = rc ? NULL : calloc(v->n + 1, sizeof *b);
    if (!rc && !b)
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    size_t total = 0;
    pp_type type = PP_T_NONE;
    for (size_t p = 0; !rc && p < v->n; p++) {
        const pp_values *vals;
        rc = pp_async_result(a, p, &vals, err);
        if (rc)
            break;
        const pp_value *part = vals->n ? &vals->v[0] : NULL;
        if (!part || vals->n > 2
            || (part->type != PP_T_I64 && part->type != PP_T_F64)
            || (type != PP_T_NONE && part->type != type))
            rc = pp_error_set(err, PP_EINVAL,
                              "gather '%s': engine %lld holds a %s, not an "
                              "array like the others",
                              name, (long long)v->targets[p],
                              part ? pp_type_name(part->type) : "nothing");
        else if (vals->n == 2
                 && (vals->v[1].type != PP_T_I64
                     || pp_value_count(&vals->v[1]) != 3))
            rc = pp_error_set(err, PP_EPROTO,
                              "gather '%s': engine %lld sent a malformed "
                              "part",
                              name, (long long)v->targets[p]);
        if (rc)
            break;
        type = part->type;
        total += part->size;
        b[p].value = part;
        if (vals->n == 2) {
            const int64_t *ix = pp_value_i64s(&vals->v[1]);
            b[p] = (gather_block){ part, ix[0], ix[1], ix[2] };
        }
    }
    if (!rc)
        rc = order_blocks(name, b, v->n, err);
    char *buf = rc ? NULL : malloc(total + 1);
    if (!rc && !buf)
        rc = pp_error_set(err, PP_ENOMEM, "out of memory");
    if (!rc) {
        size_t at = 0;
        for (size_t p = 0; p < v->n; p++) {
            if (b[p].value->size)
                memcpy(buf + at, b[p].value->data, b[p].value->size);
            at += b[p].value->size;
        }
        pp_value_take(out, type, buf, total);
    }
    free(b);
    pp_async_destroy(&a);
    return rc;
}

typedef struct map_ctx {
    const pp_value *seq;
    size_t chunk;  /* balanced: items per task */
    size_t parts;  /* direct: one block per engine */
    const pp_value *extra;
    size_t nextra;
} map_ctx;

static int make_map(void *ctx, size_t p, pp_value *vals, size_t *n,
                    pp_error *err)
{
    map_ctx *c = ctx;
    size_t len = pp_value_count(c->seq), lo, hi;
    if (c->parts) {
        pp_partition(len, c->parts, p, &lo, &hi);
    } else {
        lo = p * c->chunk;
        hi = lo + c->chunk < len ? lo + c->chunk : len;
    }
    if (c->nextra + 1 > PP_MAX_VALUES)
        return pp_error_set(err, PP_EINVAL, "too many extra arguments");
    pp_value_borrow(&vals[0], c->seq->type, (char *)c->seq->data + lo * 8,
                    (hi - lo) * 8);
    for (size_t i = 0; i < c->nextra; i++)
        pp_value_borrow(&vals[1 + i], c->extra[i].type, c->extra[i].data,
                        c->extra[i].size);
    *n = 1 + c->nextra;
    return 0;
}

pp_async *pp_view_map_async(pp_view *v, const char *workload,
                            const pp_value *seq, size_t chunksize,
                            const pp_value *extra, size_t nextra,
                            pp_error *err)
{
    if (seq->type != PP_T_I64 && seq->type != PP_T_F64) {
        pp_error_set(err, PP_EINVAL,
                     "map %s: only i64 and f64 arrays can be mapped, not %s",
                     workload, pp_type_name(seq->type));
        return NULL;
    }
    size_t len = pp_value_count(seq);
    map_ctx c = { .seq = seq, .extra = extra, .nextra = nextra };
    size_t ntasks;
    if (v->balanced) {
        c.chunk = chunksize ? chunksize : 1;
        ntasks = (len + c.chunk - 1) / c.chunk;
    } else {
        c.parts = v->n;
        ntasks = v->n;
    }
    pp_async *a = send_tasks(v, ntasks, PP_TASK_APPLY, workload, make_map,
                             &c, err);
    if (!a && ntasks == 0) {
        /* An empty map is an empty result, not an error. */
        a = NULL;
        pp_error_clear(err);
    }
    return a;
}

int pp_view_map(pp_view *v, const char *workload, const pp_value *seq,
                size_t chunksize, const pp_value *extra, size_t nextra,
                pp_value *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    pp_error_clear(err);
    pp_async *a = pp_view_map_async(v, workload, seq, chunksize, extra,
                                    nextra, err);
    if (!a) {
        if (err->code)
            return err->code;
        pp_value_take(out, seq->type, malloc(1), 0);
        return out->data ? 0 : pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    int rc = pp_async_wait(a, v->timeout_s, err);
    if (!rc)
        rc = pp_async_gather(a, out, err);
    pp_async_destroy(&a);
    return rc;
}
