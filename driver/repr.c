/* repr.c - Python-style printing of lists and strings. */
#include "repr.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
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
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc(q, f);
}

void pp_repr_f64(FILE *f, double d)
{
    if (isnan(d)) {
        fputs("nan", f);
        return;
    }
    if (isinf(d)) {
        fputs(d < 0 ? "-inf" : "inf", f);
        return;
    }
    /* Python prints the shortest text that reads back as the same
     * double, with ".0" on whole numbers. */
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    fputs(buf, f);
    if (!strpbrk(buf, ".en"))
        fputs(".0", f);
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
        for (size_t i = 0; i < pp_value_count(v); i++) {
            if (i)
                fputs(", ", f);
            pp_repr_f64(f, d[i]);
        }
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
