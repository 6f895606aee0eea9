/* async.c - async results: progress, waiting (plain, with a progress bar,
 * or one task at a time), results in order, timings, and the gathered
 * result of a map. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_internal.h"

static int64_t deadline_after(double timeout_s)
{
    return timeout_s < 0 ? INT64_MAX
                         : pp_mono_ns() + (int64_t)(timeout_s * 1e9);
}

size_t pp_async_len(const pp_async *a)
{
    return a->n;
}

size_t pp_async_progress(pp_async *a)
{
    pp_error err;
    bool got = false;
    /* Take in whatever has arrived, without waiting. */
    while (a->done < a->n
           && client_pump(a->client, 0, 0, &got, NULL, &err) == 0)
        ;
    return a->done;
}

bool pp_async_ready(pp_async *a)
{
    return pp_async_progress(a) == a->n;
}

int pp_async_wait(pp_async *a, double timeout_s, pp_error *err)
{
    int64_t deadline = deadline_after(timeout_s);
    bool got = false;
    while (a->done < a->n) {
        int rc = client_pump(a->client, deadline, 0, &got, NULL, err);
        if (rc)
            return rc;
    }
    return 0;
}

int pp_async_wait_one(pp_async *a, size_t i, double timeout_s,
                      pp_error *err)
{
    if (i >= a->n)
        return pp_error_set(err, PP_EINVAL, "no task %zu in this result", i);
    int64_t deadline = deadline_after(timeout_s);
    bool got = false;
    while (!a->slots[i].done) {
        int rc = client_pump(a->client, deadline, 0, &got, NULL, err);
        if (rc)
            return rc;
    }
    return 0;
}

int pp_async_next(pp_async *a, size_t *i, double timeout_s, pp_error *err)
{
    if (a->next == a->n)
        return 0;
    int64_t deadline = deadline_after(timeout_s);
    bool got = false;
    while (a->next == a->done) {
        int rc = client_pump(a->client, deadline, 0, &got, NULL, err);
        if (rc)
            return rc;
    }
    *i = a->order[a->next++];
    return 1;
}

static void format_seconds(char *buf, size_t size, double s)
{
    if (s < 0 || s > 1e7)
        snprintf(buf, size, "?");
    else if (s < 60)
        snprintf(buf, size, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, size, "%d:%02d", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, size, "%d:%02d:%02d", (int)s / 3600,
                 (int)s / 60 % 60, (int)s % 60);
}

void pp_async_set_label(pp_async *a, pp_async_label_fn *label, void *ctx)
{
    a->label = label;
    a->label_ctx = ctx;
}

bool pp_async_task_done(const pp_async *a, size_t i)
{
    return i < a->n && a->slots[i].done;
}

static void show_progress(pp_async *a, FILE *out, bool tty, int64_t t0)
{
    const char *label = a->label ? a->label(a, a->label_ctx) : NULL;
    char prefix[64] = "";
    if (label)
        snprintf(prefix, sizeof prefix, "%-11s ", label);
    double elapsed = (double)(pp_mono_ns() - t0) / 1e9;
    double rate = elapsed > 0 ? (double)a->done / elapsed : 0;
    char el[32], eta[32];
    format_seconds(el, sizeof el, elapsed);
    format_seconds(eta, sizeof eta,
                   rate > 0 ? (double)(a->n - a->done) / rate : -1);
    if (tty) {
        enum { WIDTH = 30 };
        int filled = a->n ? (int)(WIDTH * a->done / a->n) : WIDTH;
        char bar[WIDTH + 1];
        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(WIDTH - filled));
        bar[WIDTH] = '\0';
        fprintf(out,
                "\r%s[%s] %zu/%zu tasks  %s  %.1f tasks/s  ETA %s\033[K",
                prefix, bar, a->done, a->n, el, rate, eta);
    } else {
        fprintf(out,
                "progress: %s%zu/%zu tasks, %s elapsed, %.1f tasks/s, "
                "ETA %s\n",
                prefix, a->done, a->n, el, rate, eta);
    }
    fflush(out);
}

int pp_async_wait_interactive(pp_async *a, FILE *out, double interval_s,
                              pp_error *err)
{
    bool tty = isatty(fileno(out));
    /* A terminal gets a bar redrawn ten times a second; a log gets a plain
     * line now and then. */
    double every = tty ? 0.1 : (interval_s > 0 ? interval_s : 5);
    int64_t t0 = pp_mono_ns();
    bool shown = false;
    while (a->done < a->n) {
        int rc = pp_async_wait(a, every, err);
        if (rc == 0)
            break;
        if (rc != PP_ETIMEDOUT) {
            if (shown && tty)
                fputc('\n', out);
            return rc;
        }
        show_progress(a, out, tty, t0);
        shown = true;
    }
    /* Work that finished before the first update leaves no trace. */
    if (shown) {
        show_progress(a, out, tty, t0);
        if (tty)
            fputc('\n', out);
    }
    return 0;
}

int pp_async_result(pp_async *a, size_t i, const pp_values **vals,
                    pp_error *err)
{
    if (i >= a->n)
        return pp_error_set(err, PP_EINVAL, "no task %zu in this result", i);
    async_slot *s = &a->slots[i];
    if (!s->done)
        return pp_error_set(err, PP_ETIMEDOUT, "task %zu has not finished",
                            i);
    if (s->meta.status == PP_EABORTED) /* never ran: no engine to name */
        return pp_error_set(err, PP_EABORTED, "%s", s->error);
    if (s->meta.status) {
        if (s->meta.engine >= 0)
            return pp_error_set(err, PP_EREMOTE, "engine %d: %s",
                                s->meta.engine, s->error);
        return pp_error_set(err, PP_EREMOTE, "%s", s->error);
    }
    /* Its values went to the tasks after it: an empty result would read
     * as a task that returned nothing. */
    if (s->handed_on)
        return pp_error_set(err, PP_ENOENT,
                            "task %zu's result was handed on to the tasks "
                            "after it (after_args move or share)",
                            i);
    *vals = &s->vals;
    return 0;
}

const pp_task_meta *pp_async_meta(const pp_async *a, size_t i)
{
    return i < a->n ? &a->slots[i].meta : NULL;
}

uint64_t pp_async_task_id(const pp_async *a, size_t i)
{
    return i < a->n ? a->slots[i].id : 0;
}

int pp_async_first_error(pp_async *a, pp_error *err)
{
    for (size_t i = 0; i < a->n; i++) {
        const pp_values *v;
        if (a->slots[i].done && a->slots[i].meta.status)
            return pp_async_result(a, i, &v, err);
    }
    return 0;
}

void pp_async_timing_get(const pp_async *a, pp_async_timing *t)
{
    memset(t, 0, sizeof *t);
    int64_t first = INT64_MAX, last = 0, serial = 0;
    for (size_t i = 0; i < a->n; i++) {
        const async_slot *s = &a->slots[i];
        if (s->meta.submitted && s->meta.submitted < first)
            first = s->meta.submitted;
        if (!s->done)
            continue;
        t->done++;
        if (s->meta.status)
            t->failed++;
        if (s->meta.completed > last)
            last = s->meta.completed;
        if (s->meta.started && s->meta.completed > s->meta.started)
            serial += s->meta.completed - s->meta.started;
    }
    t->wall = last > first ? (double)(last - first) / 1e9 : 0;
    t->serial = (double)serial / 1e9;
}

int pp_async_gather(pp_async *a, pp_value *out, pp_error *err)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    pp_type type = PP_T_NONE;
    for (size_t i = 0; i < a->n; i++) {
        const pp_values *vals = NULL;
        int rc = pp_async_result(a, i, &vals, err);
        if (rc)
            return rc;
        const pp_value *v = vals->n ? &vals->v[0] : NULL;
        if (!v || (v->type != PP_T_I64 && v->type != PP_T_F64)
            || (type != PP_T_NONE && v->type != type))
            return pp_error_set(err, PP_EINVAL,
                                "task %zu returned %s, not an array like "
                                "the others",
                                i, v ? pp_type_name(v->type) : "nothing");
        type = v->type;
        total += v->size;
    }
    char *buf = malloc(total + 1);
    if (!buf)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < a->n; i++) {
        const pp_value *v = &a->slots[i].vals.v[0];
        if (v->size)
            memcpy(buf + at, v->data, v->size);
        at += v->size;
    }
    pp_value_take(out, type == PP_T_NONE ? PP_T_I64 : type, buf, total);
    return 0;
}

void pp_async_destroy(pp_async **a_p)
{
    pp_async *a = *a_p;
    if (!a)
        return;
    if (a->client)
        client_forget_async(a->client, a);
    for (size_t i = 0; i < a->n; i++) {
        pp_values_free(&a->slots[i].vals);
        free(a->slots[i].error);
    }
    free(a->slots);
    free(a->order);
    free(a);
    *a_p = NULL;
}
