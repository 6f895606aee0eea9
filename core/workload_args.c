/* workload_args.c - the one-line argument readers and result makers of
 * <pipar/workload.h>, for built-in workloads and loaded modules alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipar/workload.h"

/* "one i64", "an i64 array of 3 items", "a str": what a value is. */
static void describe(const pp_value *v, char *buf, size_t size)
{
    size_t n = pp_value_count(v);
    switch (v->type) {
    case PP_T_I64:
    case PP_T_F64:
        if (n == 1)
            snprintf(buf, size, "one %s", pp_type_name(v->type));
        else
            snprintf(buf, size, "an %s array of %zu items",
                     pp_type_name(v->type), n);
        break;
    case PP_T_STR: snprintf(buf, size, "a str"); break;
    case PP_T_BYTES: snprintf(buf, size, "bytes"); break;
    case PP_T_BIGINT: snprintf(buf, size, "a bigint"); break;
    default: snprintf(buf, size, "no value"); break;
    }
}

/* Checks that argument i exists and is one of the types in mask (bit t
 * for type t); when one is set, also that it holds exactly one item. */
static int arg_get(const pp_value *args, size_t nargs, size_t i,
                   unsigned mask, int one, const char *expected,
                   const pp_value **v, pp_error *err)
{
    if (i >= nargs)
        return pp_error_set(err, PP_EINVAL,
                            "argument %zu is missing (expected %s; got %zu "
                            "argument%s)",
                            i, expected, nargs, nargs == 1 ? "" : "s");
    const pp_value *a = &args[i];
    if ((unsigned)a->type >= PP_T_COUNT || !(mask & (1u << a->type))
        || (one && pp_value_count(a) != 1)) {
        char got[64];
        describe(a, got, sizeof got);
        return pp_error_set(err, PP_EINVAL, "argument %zu is %s, expected %s",
                            i, got, expected);
    }
    *v = a;
    return 0;
}

#define BIT(t) (1u << (t))

int pp_arg_i64(const pp_value *args, size_t nargs, size_t i, int64_t *x,
               pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_I64), 1, "one i64", &v, err);
    if (!rc)
        *x = pp_value_i64s(v)[0];
    return rc;
}

int pp_arg_f64(const pp_value *args, size_t nargs, size_t i, double *x,
               pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_F64) | BIT(PP_T_I64), 1,
                     "one f64", &v, err);
    if (!rc)
        *x = v->type == PP_T_F64 ? pp_value_f64s(v)[0]
                                 : (double)pp_value_i64s(v)[0];
    return rc;
}

int pp_arg_str(const pp_value *args, size_t nargs, size_t i, char *buf,
               size_t size, pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_STR), 0, "a str", &v, err);
    if (rc)
        return rc;
    if (size == 0 || v->size > size - 1)
        return pp_error_set(err, PP_EINVAL,
                            "argument %zu is a str of %zu bytes, longer "
                            "than %zu",
                            i, v->size, size ? size - 1 : 0);
    memcpy(buf, v->data, v->size);
    buf[v->size] = '\0';
    return 0;
}

int pp_arg_bytes(const pp_value *args, size_t nargs, size_t i,
                 const void **data, size_t *size, pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_BYTES) | BIT(PP_T_STR), 0,
                     "bytes", &v, err);
    if (!rc) {
        *data = v->data;
        *size = v->size;
    }
    return rc;
}

int pp_arg_i64s(const pp_value *args, size_t nargs, size_t i,
                const int64_t **items, size_t *count, pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_I64), 0, "an i64 array", &v,
                     err);
    if (!rc) {
        *items = pp_value_i64s(v);
        *count = pp_value_count(v);
    }
    return rc;
}

int pp_arg_f64s(const pp_value *args, size_t nargs, size_t i,
                const double **items, size_t *count, pp_error *err)
{
    const pp_value *v = NULL;
    int rc = arg_get(args, nargs, i, BIT(PP_T_F64), 0, "an f64 array", &v,
                     err);
    if (!rc) {
        *items = pp_value_f64s(v);
        *count = pp_value_count(v);
    }
    return rc;
}

/* Moves v into out, or frees it and says so. */
static int push(pp_values *out, pp_value *v, int rc, pp_error *err)
{
    if (rc == 0 && pp_values_push(out, v) == 0)
        return 0;
    pp_value_free(v);
    return pp_error_set(err, PP_ENOMEM, "out of memory");
}

int pp_ret_i64(pp_values *out, int64_t x, pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_i64(&v, &x, 1), err);
}

int pp_ret_f64(pp_values *out, double x, pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_f64(&v, &x, 1), err);
}

int pp_ret_str(pp_values *out, const char *s, pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_str(&v, s ? s : ""), err);
}

int pp_ret_bytes(pp_values *out, const void *data, size_t size,
                 pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_bytes(&v, PP_T_BYTES, data, size), err);
}

int pp_ret_i64s(pp_values *out, const int64_t *items, size_t n,
                pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_i64(&v, items, n), err);
}

int pp_ret_f64s(pp_values *out, const double *items, size_t n,
                pp_error *err)
{
    pp_value v = { 0 };
    return push(out, &v, pp_value_f64(&v, items, n), err);
}

static void *ret_array(pp_values *out, pp_type type, size_t n, size_t item,
                       pp_error *err)
{
    if (n > SIZE_MAX / item / 2) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    void *p = calloc(n ? n : 1, item);
    pp_value v = { 0 };
    if (!p) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    pp_value_take(&v, type, p, n * item);
    return push(out, &v, 0, err) ? NULL : p;
}

int64_t *pp_ret_i64_array(pp_values *out, size_t n, pp_error *err)
{
    return ret_array(out, PP_T_I64, n, sizeof(int64_t), err);
}

double *pp_ret_f64_array(pp_values *out, size_t n, pp_error *err)
{
    return ret_array(out, PP_T_F64, n, sizeof(double), err);
}
