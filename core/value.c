/* value.c - typed values and lists of them. */
#include "pipar/value.h"

#include <stdlib.h>
#include <string.h>

static void free_release(void *data, void *hint)
{
    (void)hint;
    free(data);
}

const char *pp_type_name(pp_type type)
{
    static const char *names[PP_T_COUNT] = {
        [PP_T_NONE] = "none", [PP_T_I64] = "i64",   [PP_T_F64] = "f64",
        [PP_T_BYTES] = "bytes", [PP_T_STR] = "str", [PP_T_BIGINT] = "bigint",
    };
    return (unsigned)type < PP_T_COUNT ? names[type] : "unknown";
}

int pp_value_bytes(pp_value *out, pp_type type, const void *data, size_t size)
{
    /* malloc(0) may return NULL; one byte keeps "no memory" unambiguous. */
    void *copy = malloc(size ? size : 1);
    if (!copy) {
        memset(out, 0, sizeof *out);
        return PP_ENOMEM;
    }
    if (size)
        memcpy(copy, data, size);
    pp_value_take(out, type, copy, size);
    return 0;
}

int pp_value_i64(pp_value *out, const int64_t *items, size_t count)
{
    return pp_value_bytes(out, PP_T_I64, items, count * sizeof *items);
}

int pp_value_f64(pp_value *out, const double *items, size_t count)
{
    return pp_value_bytes(out, PP_T_F64, items, count * sizeof *items);
}

int pp_value_str(pp_value *out, const char *s)
{
    return pp_value_bytes(out, PP_T_STR, s, strlen(s));
}

void pp_value_take(pp_value *out, pp_type type, void *data, size_t size)
{
    out->type = type;
    out->size = size;
    out->data = data;
    out->release = free_release;
    out->hint = NULL;
}

void pp_value_borrow(pp_value *out, pp_type type, const void *data,
                     size_t size)
{
    out->type = type;
    out->size = size;
    out->data = (void *)data;
    out->release = NULL;
    out->hint = NULL;
}

int pp_value_copy(pp_value *dst, const pp_value *src)
{
    return pp_value_bytes(dst, src->type, src->data, src->size);
}

void pp_value_free(pp_value *v)
{
    if (v->release)
        v->release(v->data, v->hint);
    memset(v, 0, sizeof *v);
}

int pp_value_check(const pp_value *v, pp_error *err)
{
    switch (v->type) {
    case PP_T_I64:
    case PP_T_F64:
        if (v->size % 8)
            return pp_error_set(err, PP_EPROTO,
                                "%s value of %zu bytes is not a whole "
                                "number of 8-byte items",
                                pp_type_name(v->type), v->size);
        return 0;
    case PP_T_BIGINT:
        if (v->size < 8 || v->size % 8)
            return pp_error_set(err, PP_EPROTO,
                                "bigint value of %zu bytes is malformed",
                                v->size);
        return 0;
    case PP_T_BYTES:
    case PP_T_STR:
    case PP_T_NONE:
        return 0;
    default:
        return pp_error_set(err, PP_EPROTO, "unknown value type %d",
                            (int)v->type);
    }
}

size_t pp_value_count(const pp_value *v)
{
    if (v->type == PP_T_I64 || v->type == PP_T_F64)
        return v->size / 8;
    return v->type == PP_T_NONE ? 0 : 1;
}

char *pp_value_strdup(const pp_value *v)
{
    if (v->type != PP_T_STR)
        return NULL;
    char *s = malloc(v->size + 1);
    if (!s)
        return NULL;
    memcpy(s, v->data, v->size);
    s[v->size] = '\0';
    return s;
}

int pp_values_push(pp_values *list, pp_value *v)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 4;
        pp_value *grown = realloc(list->v, cap * sizeof *grown);
        if (!grown)
            return PP_ENOMEM;
        list->v = grown;
        list->cap = cap;
    }
    list->v[list->n++] = *v;
    memset(v, 0, sizeof *v);
    return 0;
}

void pp_values_free(pp_values *list)
{
    for (size_t i = 0; i < list->n; i++)
        pp_value_free(&list->v[i]);
    free(list->v);
    memset(list, 0, sizeof *list);
}
