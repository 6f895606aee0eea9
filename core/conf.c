/* conf.c - configuration files: parsing, applying and the commented
 * template, all driven by a program's table of keys. */
#include "conf.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"

const pp_conf_key *pp_conf_find(const pp_conf_table *t, const char *key)
{
    for (size_t i = 0; i < t->nkeys; i++)
        if (strcmp(t->keys[i].key, key) == 0)
            return &t->keys[i];
    return NULL;
}

size_t pp_conf_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Keys are short; anything long is no typo of one. */
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The known key nearest to key, when near enough to be a typo: at most
 * 2 edits, or a third of the key; "--heartbeat-period" and
 * "heartbeat-period" count as the key they spell. */
static const char *nearest(const pp_conf_table *t, const char *key)
{
    char norm[72];
    const char *k = key;
    while (*k == '-')
        k++;
    snprintf(norm, sizeof norm, "%s", k);
    for (char *p = norm; *p; p++)
        if (*p == '-')
            *p = '_';
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < t->nkeys; i++) {
        size_t d = pp_conf_distance(norm, t->keys[i].key);
        if (d < best_d) {
            best_d = d;
            best = t->keys[i].key;
        }
    }
    size_t limit = strlen(norm) / 3;
    return best_d <= (limit > 2 ? limit : 2) ? best : NULL;
}

void pp_conf_free(pp_conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].name);
        free(c->entries[i].value);
    }
    free(c->entries);
    free(c->path);
    memset(c, 0, sizeof *c);
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool is_key_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

/* One word, or "text": the value starting at *p, into out (room for
 * PP_CONF_LINE_MAX + 1); *p moves past it.  -1 on an unclosed quote. */
static int take_word(const char **p, char *out, bool *quoted)
{
    const char *s = *p;
    size_t n = 0;
    *quoted = *s == '"';
    if (*quoted) {
        const char *close = strchr(s + 1, '"');
        if (!close)
            return -1;
        n = (size_t)(close - s - 1);
        memcpy(out, s + 1, n);
        *p = close + 1;
    } else {
        while (s[n] && !is_space(s[n]) && s[n] != ',' && s[n] != '"')
            n++;
        memcpy(out, s, n);
        *p = s + n;
    }
    out[n] = '\0';
    return 0;
}

static int line_error(pp_error *err, const char *path, int line,
                      const char *what, const char *detail)
{
    return pp_error_set(err, PP_EINVAL, "%s:%d: %s%s", path, line, what,
                        detail);
}

/* Parses the value after '=' (s, NUL-terminated, comments included) into
 * out; lists are words joined by ','. */
static int parse_value(const pp_conf_key *k, const char *path, int line,
                       const char *s, char *out, pp_error *err)
{
    char word[PP_CONF_LINE_MAX + 1];
    size_t used = 0;
    bool list = k->flags & PP_CONF_LIST;
    out[0] = '\0';
    for (;;) {
        while (is_space(*s))
            s++;
        if (*s == '\0' || *s == '#') {
            if (used == 0)
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: %s: no value (write \"\" for an "
                                    "empty one)",
                                    path, line, k->key);
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: %s: a value is missing after ','",
                                path, line, k->key);
        }
        bool quoted;
        if (take_word(&s, word, &quoted))
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: %s: the '\"' is never closed", path,
                                line, k->key);
        if (!quoted && !word[0] && *s == ',')
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: %s: an empty item before ','", path,
                                line, k->key);
        if (!quoted && !word[0])
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: %s: unexpected '%c'", path, line,
                                k->key, *s);
        size_t n = strlen(word);
        if (list && strchr(word, ','))
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: %s: '%s' holds a ',', which "
                                "separates the items of this list",
                                path, line, k->key, word);
        memcpy(out + used, word, n + 1);
        used += n;
        const char *rest = s;
        while (is_space(*rest))
            rest++;
        if (list && *rest == ',') {
            out[used++] = ',';
            out[used] = '\0';
            s = rest + 1;
            continue;
        }
        /* A comment needs a space before it: "a#b" is one word. */
        if (*rest == '\0' || (*rest == '#' && rest != s))
            return 0;
        char junk[40];
        snprintf(junk, sizeof junk, "%s", rest);
        return pp_error_set(err, PP_EINVAL,
                            "%s:%d: %s: unexpected '%s' after the value "
                            "'%s'%s",
                            path, line, k->key, junk, word,
                            quoted ? ""
                                   : " (put a value with spaces in double "
                                     "quotes)");
    }
}

static int parse_line(const pp_conf_table *t, const char *path, int line,
                      char *s, pp_conf *c, pp_error *err)
{
    while (is_space(*s))
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return line_error(err, path, line,
                          "expected 'key = value', found no '='", "");
    char *end = eq;
    while (end > s && is_space(end[-1]))
        end--;
    *end = '\0';
    if (!*s)
        return line_error(err, path, line, "no key before '='", "");
    for (const char *p = s; *p; p++)
        if (!is_key_char(*p)) {
            const char *near = nearest(t, s);
            if (near)
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: unknown key '%.64s' (did you "
                                    "mean %s?)",
                                    path, line, s, near);
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: '%.64s' is not a key (keys are "
                                "lower-case letters, digits and '_')",
                                path, line, s);
        }
    const pp_conf_key *k = pp_conf_find(t, s);
    if (!k) {
        const char *near = nearest(t, s);
        if (near)
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: unknown key '%.64s' (did you mean "
                                "%s?)",
                                path, line, s, near);
        return pp_error_set(err, PP_EINVAL,
                            "%s:%d: unknown key '%.64s' (%s.conf knows "
                            "those listed in 'driver profile create')",
                            path, line, s, t->program);
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->entries[i].key == k)
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: duplicate key '%s' (first on line "
                                "%d)",
                                path, line, k->key, c->entries[i].line);
    char value[PP_CONF_LINE_MAX + 1];
    int rc = parse_value(k, path, line, eq + 1, value, err);
    if (rc)
        return rc;
    pp_conf_entry *grown =
        realloc(c->entries, (c->n + 1) * sizeof *c->entries);
    if (!grown)
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", path);
    c->entries = grown;
    pp_conf_entry *e = &c->entries[c->n];
    size_t name_len = strlen(path) + strlen(k->key) + 16;
    e->key = k;
    e->line = line;
    e->name = malloc(name_len);
    e->value = strdup(value);
    if (!e->name || !e->value) {
        free(e->name);
        free(e->value);
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", path);
    }
    snprintf(e->name, name_len, "%s:%d: %s", path, line, k->key);
    c->n++;
    return 0;
}

int pp_conf_parse(const pp_conf_table *t, const char *path,
                  const char *text, size_t len, pp_conf *c, pp_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    if (!c->path)
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", path);
    char buf[PP_CONF_LINE_MAX + 2];
    int line = 0;
    size_t at = 0;
    while (at < len) {
        line++;
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        if (n > PP_CONF_LINE_MAX)
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: the line is longer than %d "
                                "characters",
                                path, line, PP_CONF_LINE_MAX);
        if (memchr(text + at, '\0', n))
            return line_error(err, path, line,
                              "a NUL byte: this is not a text file", "");
        memcpy(buf, text + at, n);
        buf[n] = '\0';
        int rc = parse_line(t, path, line, buf, c, err);
        if (rc)
            return rc;
        at += n + (nl ? 1 : 0);
    }
    return 0;
}

int pp_conf_read(const pp_conf_table *t, const char *path, pp_conf *c,
                 bool *exists, pp_error *err)
{
    memset(c, 0, sizeof *c);
    *exists = false;
    /* No file, or no folder for one (PIPAR_DIR a file, say: what reads
     * the profile's other files names that). */
    struct stat st;
    if (stat(path, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    char *text = NULL;
    size_t len = 0;
    int rc = pp_file_read(path, &text, &len, PP_CONF_FILE_MAX, err);
    if (rc == PP_ENOENT)
        return 0;
    if (rc)
        return rc;
    *exists = true;
    rc = pp_conf_parse(t, path, text, len, c, err);
    free(text);
    return rc;
}

const pp_conf_entry *pp_conf_get(const pp_conf *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->entries[i].key->key, key) == 0)
            return &c->entries[i];
    return NULL;
}

int pp_conf_apply(const pp_conf_table *t, const pp_conf *c, void *opts,
                  const bool given[PP_CONF_IDS], pp_error *err)
{
    void *scratch = malloc(t->opts_size);
    if (!scratch)
        return pp_error_set(err, PP_ENOMEM, "%s: out of memory", c->path);
    int rc = 0;
    for (size_t i = 0; !rc && i < c->n; i++) {
        const pp_conf_entry *e = &c->entries[i];
        const pp_conf_key *k = e->key;
        const char *env = k->env ? getenv(k->env) : NULL;
        bool overridden = (given && k->id >= 0 && k->id < PP_CONF_IDS
                           && given[k->id])
            || (env && *env);
        void *target = opts;
        if (overridden) {
            memcpy(scratch, opts, t->opts_size);
            target = scratch;
        }
        rc = t->apply(target, k->id, e->name, e->value, err);
    }
    free(scratch);
    return rc;
}

/* "# " before each line of a doc. */
static void put_doc(FILE *f, const char *doc)
{
    while (*doc) {
        size_t n = strcspn(doc, "\n");
        fprintf(f, "# %.*s\n", (int)n, doc);
        doc += n;
        if (*doc == '\n')
            doc++;
    }
}

int pp_conf_write_template(const pp_conf_table *t, const char *profile,
                           bool uncomment, FILE *f)
{
    fprintf(f,
            "# %s - the %s's settings for profile '%s'.\n"
            "# %s\n"
            "#\n"
            "# A line is 'key = value'; a '#' first on a line or after a "
            "space starts a\n"
            "# comment.  A value is one word, or text in double quotes "
            "(\"\" is empty).\n"
            "# Every key below is commented out, at its default or an "
            "example: this file\n"
            "# changes nothing until you edit it.\n"
            "# Precedence: the command line, then the environment "
            "variable a key names,\n"
            "# then this file, then the default.  A bad key or value stops "
            "the %s\n"
            "# with its line number.\n",
            t->file, t->program, profile, t->about, t->program);
    for (size_t i = 0; i < t->nkeys; i++) {
        const pp_conf_key *k = &t->keys[i];
        fputs("\n", f);
        put_doc(f, k->doc);
        fprintf(f, "# Default: %s.", k->def ? k->def : k->unset);
        if (k->option)
            fprintf(f, "  Option: %s%s.", k->option,
                    k->flags & PP_CONF_FLAG ? " (the same as true)" : "");
        if (k->env)
            fprintf(f, "  Environment: %s.", k->env);
        fputs("\n", f);
        fprintf(f, "%s%s = %s\n", uncomment ? "" : "# ", k->key,
                k->def ? k->def : k->example);
    }
    fflush(f);
    return ferror(f) ? PP_EIO : 0;
}
