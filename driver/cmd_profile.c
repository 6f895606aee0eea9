/* cmd_profile.c - `driver profile create NAME`: a profile's commented
 * controller.conf, engine.conf and driver.conf; `driver profile list`:
 * the profiles, whether a controller is running for each, and their
 * configuration files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "conf.h"
#include "connfile.h"
#include "files.h"
#include "ctl_options.h"
#include "drv_options.h"
#include "eng_options.h"

/* The three files, in the order they are listed. */
static const pp_conf_table *tables(size_t i)
{
    const pp_conf_table *all[3] = { &ctl_conf_table, &eng_conf_table,
                                    &drv_conf_table };
    return i < 3 ? all[i] : NULL;
}

static int profile_create(const char *name)
{
    pp_error err = { 0 };
    char dir[PP_PATH_MAX], path[3][PP_PATH_MAX + 32];
    if (pp_profile_dir(name, dir, sizeof dir, &err)) {
        fprintf(stderr, "driver: profile create: %s\n", err.msg);
        return CLI_USAGE;
    }
    /* All three or none: a profile with any of them was set up already,
     * and its edits are not ours to replace. */
    for (size_t i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, tables(i)->file);
        struct stat st;
        if (lstat(path[i], &st) == 0) {
            fprintf(stderr,
                    "driver: profile create: %s exists; not overwriting the "
                    "configuration of profile '%s'\n",
                    path[i], name);
            return CLI_FAIL;
        }
    }
    if (pp_mkdirs(dir, 0700, &err)) {
        fprintf(stderr, "driver: profile create: %s\n", err.msg);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < 3; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        int rc = f ? pp_conf_write_template(tables(i), name, false, f)
                   : PP_ENOMEM;
        if (f && fclose(f))
            rc = PP_ENOMEM;
        if (rc)
            pp_error_set(&err, rc, "cannot make %s: out of memory", path[i]);
        else
            rc = pp_file_write_atomic(path[i], text, len, 0644, &err);
        free(text);
        if (rc) {
            fprintf(stderr, "driver: profile create: %s\n", err.msg);
            return CLI_FAIL;
        }
    }
    printf("profile '%s': wrote %s/controller.conf, engine.conf and "
           "driver.conf, every key commented out\n",
           name, dir);
    return CLI_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line for profile name in folder dir. */
static void profile_line(const char *base, const char *name)
{
    char path[PP_PATH_MAX + 320];
    snprintf(path, sizeof path, "%s/profile_%s/security/client.json", base,
             name);
    pp_conninfo ci;
    pp_error err;
    struct stat st;
    char state[128];
    if (stat(path, &st) != 0)
        snprintf(state, sizeof state, "no controller");
    else if (pp_conninfo_read(path, &ci, &err) == 0
             && pp_pid_alive(ci.controller_pid))
        snprintf(state, sizeof state, "controller running (pid %ld)",
                 ci.controller_pid);
    else
        snprintf(state, sizeof state,
                 "no controller (a stale client.json)");
    char files[128] = "";
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/profile_%s/%s", base, name,
                 tables(i)->file);
        if (stat(path, &st) == 0) {
            size_t n = strlen(files);
            snprintf(files + n, sizeof files - n, "%s%s", n ? ", " : "",
                     tables(i)->file);
        }
    }
    printf("%s: %s; %s\n", name, state,
           files[0] ? files : "no configuration files");
}

static int profile_list(void)
{
    pp_error err = { 0 };
    char base[PP_PATH_MAX];
    /* The folder of every profile: that of "default", less its name. */
    if (pp_profile_dir("default", base, sizeof base, &err)) {
        fprintf(stderr, "driver: profile list: %s\n", err.msg);
        return CLI_FAIL;
    }
    *strrchr(base, '/') = '\0';
    DIR *d = opendir(base);
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        pp_error ignored;
        if (strncmp(e->d_name, "profile_", 8) != 0
            || pp_profile_check(e->d_name + 8, &ignored))
            continue;
        char **grown = realloc(names, (n + 1) * sizeof *names);
        if (!grown || !(grown[n] = strdup(e->d_name + 8))) {
            fprintf(stderr, "driver: profile list: out of memory\n");
            free(grown ? grown : names);
            closedir(d);
            return CLI_FAIL;
        }
        names = grown;
        n++;
    }
    if (d)
        closedir(d);
    if (n == 0)
        printf("no profiles in %s (driver profile create NAME makes one)\n",
               base);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        profile_line(base, names[i]);
        free(names[i]);
    }
    free(names);
    return CLI_OK;
}

int cli_profile(const cli_opts *o, int argc, char **argv)
{
    (void)o;
    if (argc == 3 && strcmp(argv[1], "create") == 0)
        return profile_create(argv[2]);
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return profile_list();
    fprintf(stderr, "driver: usage: driver profile create NAME | driver "
                    "profile list\n");
    return CLI_USAGE;
}
