/* conf.h - a profile's configuration files (controller.conf, engine.conf,
 * driver.conf): `key = value` lines, one key per command-line option of
 * the program, read at start.
 *
 * Each program describes its keys in one table (pp_conf_table); the same
 * table checks a file's keys, writes the commented file that `driver
 * profile create` makes, and names the program's function that applies a
 * value (the one its command line uses too), so keys, docs and parsing
 * cannot drift apart.
 *
 * The syntax: blank lines and lines starting with '#' are ignored; every
 * other line is `key = value`, spaces around either allowed.  A value is
 * one word, or text in double quotes (no escapes) for one with spaces or
 * an empty one; a ' #' after it starts a comment.  Keys flagged
 * PP_CONF_LIST take words separated by commas ("a.c, b.c").
 *
 * Precedence, per key: the command line, then the key's environment
 * variable (when it has one), then the file, then the default. */
#ifndef PP_CONF_H
#define PP_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pipar/error.h"

/* Longest line, newline excluded: room for a path of PP_PATH_MAX. */
#define PP_CONF_LINE_MAX 4200
/* Largest file. */
#define PP_CONF_FILE_MAX (256 << 10)
/* Option ids are a program's getopt values: below this. */
#define PP_CONF_IDS 256

enum {
    PP_CONF_FLAG = 1, /* a switch: true or false (the option takes none) */
    PP_CONF_LIST = 2, /* a comma-separated list */
};

typedef struct pp_conf_key {
    const char *key;    /* "heartbeat_period" */
    int id;             /* the program's id of the option (its getopt
                           value), < PP_CONF_IDS */
    const char *option; /* "--heartbeat-period"; NULL: only in the file */
    const char *env;    /* a variable that wins over the file, or NULL */
    const char *def;    /* the default, as a value; NULL: unset */
    const char *unset;  /* what happens when def is NULL */
    const char *example; /* a good value (as written in the file) */
    const char *doc;    /* what it does; '\n' between lines */
    unsigned flags;     /* PP_CONF_FLAG, PP_CONF_LIST */
} pp_conf_key;

/* Applies value to the program's options opts, as option id: the same
 * function the command line calls, so that a bad value gets the same
 * message.  name starts that message: "--hwm" on the command line,
 * "PATH:LINE: hwm" from a file.  Values it keeps are borrowed (they live
 * as long as the pp_conf or argv). */
typedef int (*pp_conf_apply_fn)(void *opts, int id, const char *name,
                                const char *value, pp_error *err);

typedef struct pp_conf_table {
    const char *program;   /* "controller" */
    const char *file;      /* "controller.conf" */
    const char *about;     /* a line on what the program is */
    const pp_conf_key *keys;
    size_t nkeys;
    pp_conf_apply_fn apply;
    size_t opts_size;      /* sizeof the options apply fills */
} pp_conf_table;

typedef struct pp_conf_entry {
    const pp_conf_key *key;
    int line;
    char *name;  /* "PATH:LINE: key": how messages name it */
    char *value; /* unquoted; for lists, the words joined by ',' */
} pp_conf_entry;

/* A parsed file; everything in it is its own, freed by pp_conf_free. */
typedef struct pp_conf {
    char *path;
    pp_conf_entry *entries;
    size_t n;
} pp_conf;

/* The key of that name, or NULL. */
const pp_conf_key *pp_conf_find(const pp_conf_table *t, const char *key);

/* Checks the syntax and the keys of text (len bytes, the contents of
 * path) into *c: an unknown key (with the nearest known one), a line
 * without '=', a duplicate key, junk after a value, a line longer than
 * PP_CONF_LINE_MAX or a NUL byte is PP_EINVAL with "PATH:LINE: ...".
 * Values are checked by pp_conf_apply.  pp_conf_free(c) also on error. */
int pp_conf_parse(const pp_conf_table *t, const char *path,
                  const char *text, size_t len, pp_conf *c, pp_error *err);

/* pp_conf_parse of the file at path.  A missing file is an empty conf
 * (0, *exists false); one that cannot be read is an error naming it. */
int pp_conf_read(const pp_conf_table *t, const char *path, pp_conf *c,
                 bool *exists, pp_error *err);

void pp_conf_free(pp_conf *c);

/* Applies c's values to opts with t->apply, in the file's order, except
 * for keys given on the command line (given[id]) or whose environment
 * variable is set (and not empty): those are only checked, on a copy of
 * opts, so a bad value is refused wherever it is.  given may be NULL.
 * The first refusal is returned, its message starting "PATH:LINE: key". */
int pp_conf_apply(const pp_conf_table *t, const pp_conf *c, void *opts,
                  const bool given[PP_CONF_IDS], pp_error *err);

/* The entry for key, or NULL (for keys a program handles itself). */
const pp_conf_entry *pp_conf_get(const pp_conf *c, const char *key);

/* Writes the commented file for t: a head saying what it is and the
 * precedence, then each key's doc, default, option and variable, and the
 * key itself commented out ("# hwm = 1").  uncomment: the key lines as
 * live lines (for tests: every default or example must parse).
 * profile names the profile in the head.  0 or PP_EIO. */
int pp_conf_write_template(const pp_conf_table *t, const char *profile,
                           bool uncomment, FILE *f);

/* Levenshtein distance of a and b (a key's did-you-mean). */
size_t pp_conf_distance(const char *a, const char *b);

#endif
