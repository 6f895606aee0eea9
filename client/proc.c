/* proc.c - programs on PATH, commands run with their output kept, shell-like
 * word splitting without a shell, and the members of a session (/proc). */
#include "proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "wire.h"

bool pp_which(const char *program, char *out, size_t size)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t len = strcspn(path, ":");
        /* An empty entry is the current folder, as for execvp. */
        int n = len ? snprintf(out, size, "%.*s/%s", (int)len, path, program)
                    : snprintf(out, size, "./%s", program);
        struct stat st;
        if (n > 0 && (size_t)n < size && stat(out, &st) == 0
            && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    out[0] = '\0';
    return false;
}

/* Reads what f holds into out (size-1 bytes at most). */
static void slurp(FILE *f, char *out, size_t size)
{
    size_t n = 0;
    if (f) {
        rewind(f);
        n = fread(out, 1, size - 1, f);
    }
    out[n] = '\0';
}

int pp_run(char *const argv[], double timeout_s, char *out, size_t out_size,
           char *errout, size_t err_size, int *status, pp_error *err)
{
    *status = -1;
    out[0] = errout[0] = '\0';
    FILE *o = tmpfile(), *e = tmpfile();
    if (!o || !e) {
        if (o)
            fclose(o);
        if (e)
            fclose(e);
        return pp_error_set(err, PP_EIO, "cannot make a temporary file: %s",
                            strerror(errno));
    }
    pid_t pid = fork();
    if (pid < 0) {
        fclose(o);
        fclose(e);
        return pp_error_set(err, PP_EIO, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(fileno(o), 1);
        dup2(fileno(e), 2);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int64_t deadline = pp_mono_ns() + (int64_t)(timeout_s * 1e9);
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) {
            *status = st;
            break;
        }
        if (r < 0 && errno != EINTR)
            break;
        if (pp_mono_ns() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
    slurp(o, out, out_size);
    slurp(e, errout, err_size);
    fclose(o);
    fclose(e);
    return 0;
}

void pp_first_line(const char *text, char *out, size_t size)
{
    out[0] = '\0';
    while (*text) {
        size_t len = strcspn(text, "\n");
        size_t lead = strspn(text, " \t\r");
        bool rule = len > 0 && strspn(text, "-") == len;
        if (lead < len && !rule) {
            while (len > lead && strchr(" \t\r", text[len - 1]))
                len--;
            snprintf(out, size, "%.*s", (int)(len - lead), text + lead);
            return;
        }
        text += len + (text[len] == '\n');
    }
}

int pp_split_words(const char *option, const char *text, char **words,
                   int max, int *n, pp_error *err)
{
    size_t cap = strlen(text) + 1;
    char *word = malloc(cap);
    if (!word)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int added = 0;
    const char *p = text;
    for (;;) {
        p += strspn(p, " \t\n\r");
        if (!*p)
            break;
        size_t len = 0;
        while (*p && !strchr(" \t\n\r", *p)) {
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end) {
                    free(word);
                    return pp_error_set(err, PP_EINVAL,
                                        "%s: an unterminated ' quote",
                                        option);
                }
                memcpy(word + len, p + 1, (size_t)(end - p - 1));
                len += (size_t)(end - p - 1);
                p = end + 1;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    word[len++] = *p++;
                }
                if (!*p) {
                    free(word);
                    return pp_error_set(err, PP_EINVAL,
                                        "%s: an unterminated \" quote",
                                        option);
                }
                p++;
            } else if (*p == '\\' && p[1]) {
                word[len++] = p[1];
                p += 2;
            } else {
                word[len++] = *p++;
            }
        }
        word[len] = '\0';
        if (*n >= max) {
            free(word);
            return pp_error_set(err, PP_EINVAL, "%s: more than %d words",
                                option, max);
        }
        if (!(words[*n] = strdup(word))) {
            free(word);
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        }
        (*n)++;
        added++;
    }
    free(word);
    if (!added)
        return pp_error_set(err, PP_EINVAL, "%s: empty", option);
    return 0;
}

void pp_sh_quote(char *out, size_t size, const char *s)
{
    size_t n = strlen(out);
    if (n + 1 < size)
        out[n++] = '\'';
    for (; *s && n + 5 < size; s++) {
        if (*s == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else {
            out[n++] = *s;
        }
    }
    if (n + 1 < size)
        out[n++] = '\'';
    out[n] = '\0';
}

/* Fields 4 and 6 of /proc/PID/stat (parent and session), read after the
 * ")" that ends the command name, which may hold spaces and parentheses
 * itself.  Zombies count as gone: -1. */
static int stat_of(const char *pid, long *parent, long *session)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *close = strrchr(buf, ')');
    char state;
    long pgrp;
    if (!close
        || sscanf(close + 1, " %c %ld %ld %ld", &state, parent, &pgrp,
                  session)
               != 4
        || state == 'Z' || state == 'X')
        return -1;
    return 0;
}

long pp_parent_of(long pid)
{
    char text[24];
    long parent, session;
    snprintf(text, sizeof text, "%ld", pid);
    return stat_of(text, &parent, &session) ? -1 : parent;
}

int pp_session_members(long sid, long *pids, int max)
{
    DIR *d = opendir("/proc");
    if (!d || sid <= 0) {
        if (d)
            closedir(d);
        return 0;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < max) {
        if (strspn(de->d_name, "0123456789") != strlen(de->d_name))
            continue;
        long parent, session;
        if (stat_of(de->d_name, &parent, &session) == 0 && session == sid)
            pids[n++] = strtol(de->d_name, NULL, 10);
    }
    closedir(d);
    return n;
}

bool pp_cmdline_has(long pid, const char *word)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
    char *text = NULL;
    size_t size = 0;
    pp_error ignored;
    if (!pp_pid_alive(pid)
        || pp_file_read(path, &text, &size, 1 << 20, &ignored))
        return false;
    bool found = false;
    for (size_t i = 0; i < size && !found; i += strlen(text + i) + 1)
        found = strcmp(text + i, word) == 0;
    free(text);
    return found;
}

void pp_exe_name(long pid, char *out, size_t size)
{
    char path[64], exe[PP_PATH_MAX];
    snprintf(path, sizeof path, "/proc/%ld/exe", pid);
    ssize_t n = readlink(path, exe, sizeof exe - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    /* A program rebuilt or reinstalled while it runs still is that
     * program: the kernel marks its old file " (deleted)". */
    static const char deleted[] = " (deleted)";
    size_t dl = sizeof deleted - 1;
    if ((size_t)n > dl && strcmp(exe + n - dl, deleted) == 0)
        exe[n - dl] = '\0';
    const char *base = strrchr(exe, '/');
    snprintf(out, size, "%s", base ? base + 1 : exe);
}
