/* value.h - typed values: the arguments and results that travel in tasks.
 *
 * A value is a typed run of bytes: an array of i64 or f64, a string, raw
 * bytes, or a big integer.  A value either owns its bytes (release is set and
 * is called once by pp_value_free) or borrows them (release is NULL; the
 * bytes must outlive the value).  Sending a value hands its bytes to ZeroMQ
 * without a copy when it owns them.
 *
 * Ownership: a pp_value or pp_values is a plain struct the caller holds
 * (usually on the stack); what it owns is released by pp_value_free /
 * pp_values_free, once.  Pointers read out of a value (data,
 * pp_value_i64s) are borrowed from it and die with it. */
#ifndef PP_VALUE_H
#define PP_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include <pipar/error.h>
#include <pipar/export.h>

typedef enum pp_type {
    PP_T_NONE = 0,
    PP_T_I64 = 1, /* int64_t[], little-endian */
    PP_T_F64 = 2, /* double[] */
    PP_T_BYTES = 3, /* opaque bytes */
    PP_T_STR = 4, /* one UTF-8 string, no NUL on the wire */
    PP_T_BIGINT = 5, /* sign word then GMP limbs, see docs/protocol.md */
    PP_T_COUNT
} pp_type;

typedef void pp_release_fn(void *data, void *hint);

typedef struct pp_value {
    pp_type type;
    size_t size; /* bytes */
    void *data;
    pp_release_fn *release; /* NULL: borrowed */
    void *hint;
} pp_value;

/* A growable list of values; owns every value in it. */
typedef struct pp_values {
    pp_value *v;
    size_t n;
    size_t cap;
} pp_values;

PP_EXPORT const char *pp_type_name(pp_type type);

/* Constructors copy their input; the value owns the copy.  Each returns 0 or
 * PP_ENOMEM. */
PP_EXPORT int pp_value_i64(pp_value *out, const int64_t *items, size_t count);
PP_EXPORT int pp_value_f64(pp_value *out, const double *items, size_t count);
PP_EXPORT int pp_value_str(pp_value *out, const char *s);
PP_EXPORT int pp_value_bytes(
    pp_value *out, pp_type type, const void *data, size_t size);

/* Takes ownership of malloc'd data (freed with free()). */
PP_EXPORT void pp_value_take(
    pp_value *out, pp_type type, void *data, size_t size);

/* Borrows data: the caller keeps it alive for the value's lifetime. */
PP_EXPORT void pp_value_borrow(
    pp_value *out, pp_type type, const void *data, size_t size);

/* Makes dst an owning deep copy of src. */
PP_EXPORT int pp_value_copy(pp_value *dst, const pp_value *src);

/* Releases what the value owns and leaves it PP_T_NONE.  Safe twice. */
PP_EXPORT void pp_value_free(pp_value *v);

/* Checks that the bytes fit the type (an i64 array is a multiple of 8
 * bytes).  Used on everything that comes off the network. */
PP_EXPORT int pp_value_check(const pp_value *v, pp_error *err);

/* Item counts: array length for i64/f64, 1 for the others. */
PP_EXPORT size_t pp_value_count(const pp_value *v);

/* The items of an i64 or f64 array (borrowed from v); pp_value_count
 * says how many. */
static inline const int64_t *pp_value_i64s(const pp_value *v)
{
    return (const int64_t *)v->data;
}
static inline const double *pp_value_f64s(const pp_value *v)
{
    return (const double *)v->data;
}

/* A freshly allocated NUL-terminated copy of a PP_T_STR value (caller
 * frees), or NULL on a wrong type or no memory. */
PP_EXPORT char *pp_value_strdup(const pp_value *v);

/* Lists.  push moves *v into the list (v is left PP_T_NONE). */
PP_EXPORT int pp_values_push(pp_values *list, pp_value *v);
PP_EXPORT void pp_values_free(pp_values *list);

#endif
