/* repr.c - Python-style printing of lists and strings. */
#include "repr.h"

#include <inttypes.h>
#include <string.h>

void pp_repr_i64s(FILE *f, const int64_t *items, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, i ? ", %" PRId64 : "%" PRId64, items[i]);
    fputc(']', f);
}

void pp_repr_str(FILE *f, const char *s, size_t len)
{
    /* Python picks double quotes when the text has a single quote and no
     * double quote. */
    char q = (memchr(s, '\'', len) && !memchr(s, '"', len)) ? '"' : '\'';
    fputc(q, f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q)
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc(q, f);
}

void pp_repr_value(FILE *f, const pp_value *v)
{
    switch (v->type) {
    case PP_T_I64:
        pp_repr_i64s(f, pp_value_i64s(v), pp_value_count(v));
        break;
    case PP_T_F64: {
        const double *d = v->data;
        fputc('[', f);
        for (size_t i = 0; i < pp_value_count(v); i++)
            fprintf(f, i ? ", %.17g" : "%.17g", d[i]);
        fputc(']', f);
        break;
    }
    case PP_T_STR:
        pp_repr_str(f, v->data, v->size);
        break;
    case PP_T_BYTES:
        fprintf(f, "<%zu bytes>", v->size);
        break;
    case PP_T_BIGINT:
        fprintf(f, "<bigint of %zu bytes>", v->size);
        break;
    default:
        fputs("None", f);
    }
}
