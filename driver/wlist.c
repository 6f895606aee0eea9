/* wlist.c - the union of the engines' workload tables, for printing. */
#include "wlist.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 31
#define SUMMARY_MAX_LEN 200

typedef struct row {
    char name[NAME_MAX_LEN + 1];
    char module[NAME_MAX_LEN + 1]; /* "" for a built-in workload */
    char summary[SUMMARY_MAX_LEN + 1];
    bool *has; /* one flag an engine */
} row;

/* Copies at most max bytes of [p, p + n) as printable text. */
static void plain(char *dst, const char *p, size_t n, size_t max)
{
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++)
        dst[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
    dst[n] = '\0';
}

static void free_rows(row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rows[i].has);
    free(rows);
}

/* Adds engine e's line to the rows (a new row for a new name). */
static int add_line(row **rows, size_t *nrows, size_t *cap, size_t nengines,
                    size_t e, const char *line, size_t len)
{
    const char *tab = memchr(line, '\t', len);
    if (!tab || tab == line)
        return 0;
    char name[NAME_MAX_LEN + 1];
    plain(name, line, (size_t)(tab - line), NAME_MAX_LEN);
    for (size_t i = 0; i < *nrows; i++)
        if (strcmp((*rows)[i].name, name) == 0) {
            (*rows)[i].has[e] = true;
            return 0;
        }
    if (*nrows == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        row *grown = realloc(*rows, c * sizeof *grown);
        if (!grown)
            return PP_ENOMEM;
        *rows = grown;
        *cap = c;
    }
    row *r = &(*rows)[*nrows];
    r->has = calloc(nengines, sizeof *r->has);
    if (!r->has)
        return PP_ENOMEM;
    memcpy(r->name, name, sizeof name);
    /* name, summary and, for a loaded module's workload, the module. */
    const char *rest = tab + 1, *end = line + len;
    const char *tab2 = memchr(rest, '\t', (size_t)(end - rest));
    plain(r->summary, rest, (size_t)((tab2 ? tab2 : end) - rest),
          SUMMARY_MAX_LEN);
    r->module[0] = '\0';
    if (tab2)
        plain(r->module, tab2 + 1, (size_t)(end - tab2 - 1), NAME_MAX_LEN);
    r->has[e] = true;
    (*nrows)++;
    return 0;
}

int pp_wlist_print(FILE *out, const pp_wlist_engine *engines, size_t n,
                   pp_error *err)
{
    row *rows = NULL;
    size_t nrows = 0, cap = 0;
    for (size_t e = 0; e < n; e++) {
        const char *p = engines[e].text, *end = p + engines[e].len;
        while (p && p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (add_line(&rows, &nrows, &cap, n, e, p, len)) {
                free_rows(rows, nrows);
                return pp_error_set(err, PP_ENOMEM, "out of memory");
            }
            p = nl ? nl + 1 : end;
        }
    }
    if (nrows == 0) {
        free_rows(rows, nrows);
        return pp_error_set(err, PP_EINVAL,
                            "no engine listed a workload");
    }
    int width = 0, mwidth = (int)strlen("built in");
    for (size_t i = 0; i < nrows; i++) {
        int w = (int)strlen(rows[i].name), m = (int)strlen(rows[i].module);
        width = w > width ? w : width;
        mwidth = m > mwidth ? m : mwidth;
    }
    for (size_t i = 0; i < nrows; i++) {
        fprintf(out, "%-*s  %-*s  %s", width, rows[i].name, mwidth,
                rows[i].module[0] ? rows[i].module : "built in",
                rows[i].summary);
        size_t missing = 0;
        for (size_t e = 0; e < n; e++)
            missing += !rows[i].has[e];
        if (missing) {
            fprintf(out, " (not on engine%s ", missing > 1 ? "s" : "");
            const char *sep = "";
            for (size_t e = 0; e < n; e++)
                if (!rows[i].has[e]) {
                    fprintf(out, "%s%" PRId64, sep, engines[e].id);
                    sep = ", ";
                }
            fputc(')', out);
        }
        fputc('\n', out);
    }
    free_rows(rows, nrows);
    return 0;
}
