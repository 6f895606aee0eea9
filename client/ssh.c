/* ssh.c - the SSH launcher: a hosts file, and engines started, counted and
 * stopped on each host by a short sh script run through the system's ssh. */
#include "ssh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"
#include "wire.h"

/* --- the hosts file ------------------------------------------------------ */

static bool all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* A host as ssh takes it: no option ("-x"), no shell or space. */
static bool host_name_ok(const char *s)
{
    return *s && *s != '-' && strlen(s) < 256
           && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-_:[]%")
                  == strlen(s);
}

static bool user_ok(const char *s)
{
    return *s && *s != '-' && strlen(s) < 64
           && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-_$")
                  == strlen(s);
}

/* A path for a remote shell: absolute, or relative to the remote home;
 * printable, no newline (it is quoted when it is used). */
static bool path_ok(const char *s)
{
    if (!*s || strlen(s) >= 1024)
        return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 32 || *p == 127)
            return false;
    return true;
}

static int parse_line(pp_ssh_host *h, const char *path, int line, char *text,
                      pp_error *err)
{
    memset(h, 0, sizeof *h);
    h->line = line;
    h->nengines = 1;
    int field = 0; /* 0 host, 1 engines, 2 user, 3 port: what may come */
    char *save = NULL;
    for (char *w = strtok_r(text, " \t\r", &save); w;
         w = strtok_r(NULL, " \t\r", &save)) {
        if (field == 0) {
            char *at = strchr(w, '@');
            if (at) { /* user@host, as ssh takes it */
                *at = '\0';
                if (!user_ok(w))
                    return pp_error_set(err, PP_EINVAL,
                                        "%s:%d: '%s' is not a user name",
                                        path, line, w);
                snprintf(h->user, sizeof h->user, "%s", w);
                w = at + 1;
            }
            if (!host_name_ok(w))
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: '%s' is not a host name or "
                                    "address",
                                    path, line, w);
            snprintf(h->name, sizeof h->name, "%s", w);
            field = 1;
        } else if (strncmp(w, "dir=", 4) == 0 || strncmp(w, "engine=", 7) == 0) {
            bool dir = w[0] == 'd';
            const char *v = strchr(w, '=') + 1;
            if (!path_ok(v))
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: %s wants a path (printable, "
                                    "under 1024 characters)",
                                    path, line, dir ? "dir=" : "engine=");
            snprintf(dir ? h->dir : h->engine, sizeof h->dir, "%s", v);
            field = 4;
        } else if (field <= 1 && all_digits(w)) {
            long n = strlen(w) > 4 ? 0 : strtol(w, NULL, 10);
            if (n < 1 || n > PP_SSH_MAX_ENGINES)
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: '%s' engines: give 1 to %d", path,
                                    line, w, PP_SSH_MAX_ENGINES);
            h->nengines = (int)n;
            field = 2;
        } else if (field <= 2 && w[strlen(w) - 1] == '@') {
            w[strlen(w) - 1] = '\0';
            if (h->user[0])
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: the user is given twice", path,
                                    line);
            if (!user_ok(w))
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: '%s@' is not a user name", path,
                                    line, w);
            snprintf(h->user, sizeof h->user, "%s", w);
            field = 3;
        } else if (field >= 2 && field <= 3 && all_digits(w)) {
            long p = strlen(w) > 5 ? 0 : strtol(w, NULL, 10);
            if (p < 1 || p > 65535)
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: port '%s': give 1 to 65535",
                                    path, line, w);
            h->port = (int)p;
            field = 4;
        } else {
            return pp_error_set(err, PP_EINVAL,
                                "%s:%d: unexpected '%s' (a line is: host "
                                "[engines] [user@] [port] [dir=PATH] "
                                "[engine=PATH])",
                                path, line, w);
        }
    }
    return 0;
}

int pp_ssh_parse_hosts(pp_ssh *s, const char *path, const char *text,
                       pp_error *err)
{
    int line = 0;
    const char *p = text;
    while (*p) {
        line++;
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char buf[4096];
        if (len >= sizeof buf)
            return pp_error_set(err, PP_EINVAL, "%s:%d: line too long", path,
                                line);
        memcpy(buf, p, len);
        buf[len] = '\0';
        p += len + (end != NULL);
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        if (strspn(buf, " \t\r") == strlen(buf))
            continue;
        if (s->nhosts >= PP_SSH_MAX_HOSTS)
            return pp_error_set(err, PP_EINVAL, "%s:%d: more than %d hosts",
                                path, line, PP_SSH_MAX_HOSTS);
        pp_ssh_host *hosts =
            realloc(s->hosts, (size_t)(s->nhosts + 1) * sizeof *hosts);
        if (!hosts)
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        s->hosts = hosts;
        int rc = parse_line(&hosts[s->nhosts], path, line, buf, err);
        if (rc)
            return rc;
        for (int i = 0; i < s->nhosts; i++) {
            const pp_ssh_host *a = &hosts[i], *b = &hosts[s->nhosts];
            if (strcmp(a->name, b->name) == 0 && strcmp(a->user, b->user) == 0
                && a->port == b->port && strcmp(a->dir, b->dir) == 0)
                return pp_error_set(err, PP_EINVAL,
                                    "%s:%d: host '%s' again (line %d): give "
                                    "its engines on one line",
                                    path, line, b->name, a->line);
        }
        s->nhosts++;
    }
    if (s->nhosts == 0)
        return pp_error_set(err, PP_EINVAL, "%s: no hosts in it", path);
    return 0;
}

int pp_ssh_read_hosts(pp_ssh *s, const char *path, pp_error *err)
{
    char *text = NULL;
    size_t size = 0;
    int rc = pp_file_read(path, &text, &size, 1 << 20, err);
    if (rc) {
        pp_error_prefix(err, "--hosts: ");
        return rc;
    }
    if (memchr(text, '\0', size))
        rc = pp_error_set(err, PP_EINVAL, "%s: not a text file", path);
    else
        rc = pp_ssh_parse_hosts(s, path, text, err);
    free(text);
    return rc;
}

int pp_ssh_add_option(pp_ssh *s, const char *words, pp_error *err)
{
    char buf[4096];
    if (strlen(words) >= sizeof buf)
        return pp_error_set(err, PP_EINVAL, "--ssh-option: too long");
    snprintf(buf, sizeof buf, "%s", words);
    char *save = NULL;
    int added = 0;
    for (char *w = strtok_r(buf, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (s->nwords >= PP_SSH_MAX_WORDS)
            return pp_error_set(err, PP_EINVAL,
                                "--ssh-option: more than %d words in all",
                                PP_SSH_MAX_WORDS);
        if (!(s->words[s->nwords++] = strdup(w)))
            return pp_error_set(err, PP_ENOMEM, "out of memory");
        added++;
    }
    if (!added)
        return pp_error_set(err, PP_EINVAL, "--ssh-option: empty");
    return 0;
}

void pp_ssh_free(pp_ssh *s)
{
    free(s->hosts);
    for (int i = 0; i < s->nwords; i++)
        free(s->words[i]);
    memset(s, 0, sizeof *s);
}

int pp_ssh_started(const pp_ssh *s)
{
    int n = 0;
    for (int i = 0; i < s->nhosts; i++)
        n += s->hosts[i].npids;
    return n;
}

/* --- the remote scripts -------------------------------------------------- */

static void append(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *out, size_t size, const char *fmt, ...)
{
    size_t n = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    if (n < size)
        vsnprintf(out + n, size - n, fmt, ap);
    va_end(ap);
}

/* The lines every script starts with: D (PIPAR_DIR), P (the profile's
 * folder), F (its engine.json) and alive(PID): running, not a zombie. */
static void script_head(char *out, size_t size, const pp_ssh_host *h,
                        const char *profile)
{
    out[0] = '\0';
    append(out, size, "D=");
    if (h->dir[0])
        pp_sh_quote(out, size, h->dir);
    else
        append(out, size, "\"$HOME/.pipar\"");
    append(out, size,
           "\nP=\"$D/profile_%s\"\nF=\"$P/security/engine.json\"\n"
           "alive() { kill -0 \"$1\" 2>/dev/null && ! grep -q "
           "'^State:[[:space:]]*Z' /proc/\"$1\"/status 2>/dev/null; }\n"
           /* Ours: its command line still names F (a PID used again by
            * another program is left alone). */
           "ours() { alive \"$1\" && { [ ! -r /proc/\"$1\"/cmdline ] || "
           "tr '\\000' '\\n' </proc/\"$1\"/cmdline | grep -qxF \"$F\"; }; }\n",
           profile);
}

static void start_script(char *out, size_t size, const pp_ssh *s,
                         const pp_ssh_host *h, const char *profile,
                         char *const *eng_args, int neng_args)
{
    script_head(out, size, h, profile);
    append(out, size,
           "umask 077\n"
           "mkdir -p \"$P/security\" \"$P/log\" || exit 3\n"
           "cat >\"$F.tmp\" && chmod 600 \"$F.tmp\" && mv -f \"$F.tmp\" "
           "\"$F\" || exit 3\n"
           "E=");
    const char *engine = h->engine[0] ? h->engine
                         : s->engine[0] ? s->engine
                                        : "engine";
    pp_sh_quote(out, size, engine);
    append(out, size,
           "\ncommand -v \"$E\" >/dev/null 2>&1 || { echo \"no program '$E' "
           "here (PATH=$PATH): give --engine-path or engine= in the hosts "
           "file\" >&2; exit 4; }\n"
           "S=; command -v setsid >/dev/null 2>&1 && S=setsid\n"
           "export PIPAR_DIR=\"$D\"\n"
           "i=0\n"
           "while [ $i -lt %d ]; do\n"
           /* Without job control a background command leads no process
            * group, so setsid execs without a fork and $! is the engine. */
           "  $S nohup \"$E\" --file \"$F\" --log-level info",
           h->nengines);
    for (int i = 0; i < neng_args; i++) {
        append(out, size, " ");
        pp_sh_quote(out, size, eng_args[i]);
    }
    append(out, size,
           " >\"$P/log/engine-ssh-$i.log\" 2>&1 </dev/null &\n"
           "  echo \"pid $!\"\n"
           "  i=$((i + 1))\n"
           "done\n");
}

/* Signals the listed PIDs that are still ours; prints "running N" (how many
 * were) and "left PID" for each that outlived SIGKILL. */
static void stop_script(char *out, size_t size, const pp_ssh_host *h,
                        const char *profile, double grace_s)
{
    script_head(out, size, h, profile);
    append(out, size, "L=");
    for (int i = 0; i < h->npids; i++)
        append(out, size, "%s%ld", i ? " " : "'", h->pids[i]);
    append(out, size,
           "'\nR=; n=0\n"
           "for p in $L; do ours $p && { kill -TERM $p; R=\"$R $p\"; "
           "n=$((n + 1)); }; done\n"
           "echo \"running $n\"\n"
           "t=0\n"
           "while [ -n \"$R\" ] && [ $t -lt %d ]; do\n"
           "  sleep 0.1; M=\n"
           "  for p in $R; do alive $p && M=\"$M $p\"; done\n"
           "  R=$M; t=$((t + 1))\n"
           "done\n"
           "for p in $R; do kill -KILL $p 2>/dev/null; done\n"
           "[ -n \"$R\" ] && sleep 0.5\n"
           "for p in $R; do alive $p && echo \"left $p\"; done\n"
           "exit 0\n",
           (int)(grace_s * 10 + 0.5));
}

static void status_script(char *out, size_t size, const pp_ssh_host *h,
                          const char *profile)
{
    script_head(out, size, h, profile);
    append(out, size, "n=0\nfor p in");
    for (int i = 0; i < h->npids; i++)
        append(out, size, " %ld", h->pids[i]);
    append(out, size,
           "; do ours $p && n=$((n + 1)); done\necho \"running $n\"\n");
}

/* --- running ssh, every host at once -------------------------------------- */

typedef struct ssh_run {
    pid_t pid;
    FILE *out, *errf; /* the child's stdout and stderr */
    int status;       /* as waitpid gives it; -1 when it was killed */
} ssh_run;

static pid_t spawn_ssh(const pp_ssh *s, const pp_ssh_host *h,
                       const char *script, const char *input, size_t len,
                       int out_fd, int err_fd)
{
    const char *program = getenv("PIPAR_SSH");
    if (!program || !*program)
        program = "ssh";
    /* The script runs under sh whatever the user's login shell is. */
    char *command = malloc(65536);
    if (!command)
        return -1;
    snprintf(command, 65536, "exec sh -c ");
    pp_sh_quote(command, 65536, script);
    char port[16];
    snprintf(port, sizeof port, "%d", h->port);
    const char *argv[PP_SSH_MAX_WORDS + 16];
    int n = 0;
    argv[n++] = program;
    /* First: ssh takes an option's first value, so no --ssh-option can
     * turn password prompts back on. */
    argv[n++] = "-o";
    argv[n++] = "BatchMode=yes";
    for (int i = 0; i < s->nwords; i++)
        argv[n++] = s->words[i];
    argv[n++] = "-o";
    argv[n++] = "ConnectTimeout=10";
    if (h->user[0]) {
        argv[n++] = "-l";
        argv[n++] = h->user;
    }
    if (h->port) {
        argv[n++] = "-p";
        argv[n++] = port;
    }
    argv[n++] = "--";
    argv[n++] = h->name;
    argv[n++] = command;
    argv[n] = NULL;
    int in[2];
    if (pipe(in)) {
        free(command);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        close(in[0]);
        close(in[1]);
        execvp(program, (char *const *)argv);
        dprintf(2, "cannot run %s: %s\n", program, strerror(errno));
        _exit(127);
    }
    free(command);
    close(in[0]);
    if (pid > 0 && len) {
        /* engine.json is a few hundred bytes: the pipe holds it. */
        signal(SIGPIPE, SIG_IGN);
        ssize_t w = write(in[1], input, len);
        (void)w;
    }
    close(in[1]);
    return pid;
}

/* The last non-empty line of f, without its newline. */
static void last_line(FILE *f, char *out, size_t size)
{
    char line[400];
    out[0] = '\0';
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0])
            snprintf(out, size, "%s", line);
    }
}

/* Runs script[i] on every host i (with input on its stdin) and waits at
 * most timeout_s; runs[i] holds what came back. */
static void run_all(const pp_ssh *s, char **scripts, const char *input,
                    size_t len, double timeout_s, ssh_run *runs)
{
    for (int i = 0; i < s->nhosts; i++) {
        ssh_run *r = &runs[i];
        memset(r, 0, sizeof *r);
        r->pid = -1;
        r->status = -1;
        if (!scripts[i])
            continue;
        r->out = tmpfile();
        r->errf = tmpfile();
        if (r->out && r->errf)
            r->pid = spawn_ssh(s, &s->hosts[i], scripts[i], input, len,
                               fileno(r->out), fileno(r->errf));
    }
    int64_t deadline = pp_mono_ns() + (int64_t)(timeout_s * 1e9);
    for (;;) {
        int left = 0;
        for (int i = 0; i < s->nhosts; i++) {
            ssh_run *r = &runs[i];
            if (r->pid <= 0)
                continue;
            int status;
            if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
                r->status = status;
                r->pid = 0;
            } else {
                left++;
            }
        }
        if (!left)
            break;
        if (pp_mono_ns() > deadline) {
            for (int i = 0; i < s->nhosts; i++)
                if (runs[i].pid > 0) {
                    kill(runs[i].pid, SIGKILL);
                    waitpid(runs[i].pid, NULL, 0);
                    runs[i].pid = 0;
                    runs[i].status = -2;
                }
            break;
        }
        struct timespec ts = { 0, 5000000 };
        nanosleep(&ts, NULL);
    }
}

/* Sets h->error when the run failed; true when it did not. */
static bool run_ok(pp_ssh_host *h, ssh_run *r, double timeout_s)
{
    char why[400] = "";
    if (r->errf)
        last_line(r->errf, why, sizeof why);
    if (!r->out || !r->errf)
        snprintf(h->error, sizeof h->error, "cannot make a temporary file");
    else if (r->status == -2)
        snprintf(h->error, sizeof h->error, "no answer within %.0f s",
                 timeout_s);
    else if (r->status == -1)
        snprintf(h->error, sizeof h->error, "cannot run ssh");
    else if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
        return true;
    else if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 255)
        snprintf(h->error, sizeof h->error, "cannot be reached: %s",
                 why[0] ? why : "ssh failed");
    else
        snprintf(h->error, sizeof h->error, "%s (exit status %d)",
                 why[0] ? why : "the remote command failed",
                 WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1);
    return false;
}

static void run_free(ssh_run *r)
{
    if (r->out)
        fclose(r->out);
    if (r->errf)
        fclose(r->errf);
    r->out = r->errf = NULL;
}

enum { SCRIPT_SIZE = 16384 };

static char **scripts_new(int n)
{
    char **scripts = calloc((size_t)n + 1, sizeof *scripts);
    for (int i = 0; scripts && i < n; i++)
        if (!(scripts[i] = calloc(1, SCRIPT_SIZE))) {
            for (int k = 0; k < i; k++)
                free(scripts[k]);
            free(scripts);
            return NULL;
        }
    return scripts;
}

static void scripts_free(char **scripts, int n)
{
    for (int i = 0; scripts && i < n; i++)
        free(scripts[i]);
    free(scripts);
}

int pp_ssh_start(pp_ssh *s, const char *profile, const char *engine_json,
                 char *const *eng_args, int neng_args, double timeout_s)
{
    char *text = NULL;
    size_t len = 0;
    pp_error err = { 0 };
    char **scripts = scripts_new(s->nhosts);
    ssh_run *runs = calloc((size_t)s->nhosts + 1, sizeof *runs);
    if (!scripts || !runs
        || pp_file_read(engine_json, &text, &len, 1 << 20, &err)) {
        for (int i = 0; i < s->nhosts; i++)
            snprintf(s->hosts[i].error, sizeof s->hosts[i].error, "%s",
                     err.msg[0] ? err.msg : "out of memory");
        scripts_free(scripts, s->nhosts);
        free(runs);
        return 0;
    }
    for (int i = 0; i < s->nhosts; i++) {
        s->hosts[i].npids = 0;
        s->hosts[i].error[0] = '\0';
        start_script(scripts[i], SCRIPT_SIZE, s, &s->hosts[i], profile,
                     eng_args, neng_args);
    }
    run_all(s, scripts, text, len, timeout_s, runs);
    int started = 0;
    for (int i = 0; i < s->nhosts; i++) {
        pp_ssh_host *h = &s->hosts[i];
        ssh_run *r = &runs[i];
        /* PIDs that were printed are engines that run, whatever else
         * happened: record them, so stop can end them. */
        char line[256];
        if (r->out) {
            rewind(r->out);
            while (fgets(line, sizeof line, r->out)
                   && h->npids < PP_SSH_MAX_ENGINES) {
                long pid;
                if (sscanf(line, "pid %ld", &pid) == 1 && pid > 1)
                    h->pids[h->npids++] = pid;
            }
        }
        if (run_ok(h, r, timeout_s) && h->npids != h->nengines)
            snprintf(h->error, sizeof h->error,
                     "%d of %d engines started", h->npids, h->nengines);
        started += h->error[0] == '\0';
        run_free(r);
    }
    scripts_free(scripts, s->nhosts);
    free(runs);
    free(text);
    return started;
}

/* Runs a stop or status script on every host with PIDs and reads back
 * "running N" and "left PID" lines. */
static int stop_or_status(pp_ssh *s, const char *profile, bool stop,
                          double grace_s, double timeout_s)
{
    char **scripts = scripts_new(s->nhosts);
    ssh_run *runs = calloc((size_t)s->nhosts + 1, sizeof *runs);
    if (!scripts || !runs) {
        scripts_free(scripts, s->nhosts);
        free(runs);
        return 0;
    }
    for (int i = 0; i < s->nhosts; i++) {
        pp_ssh_host *h = &s->hosts[i];
        h->running = 0;
        if (h->npids)
            h->error[0] = '\0';
        if (!h->npids) {
            free(scripts[i]);
            scripts[i] = NULL;
        } else if (stop) {
            stop_script(scripts[i], SCRIPT_SIZE, h, profile, grace_s);
        } else {
            status_script(scripts[i], SCRIPT_SIZE, h, profile);
        }
    }
    run_all(s, scripts, NULL, 0, timeout_s, runs);
    int running = 0;
    for (int i = 0; i < s->nhosts; i++) {
        pp_ssh_host *h = &s->hosts[i];
        ssh_run *r = &runs[i];
        if (!scripts[i])
            continue;
        if (run_ok(h, r, timeout_s)) {
            char line[256], left[200] = "";
            rewind(r->out);
            while (fgets(line, sizeof line, r->out)) {
                long v;
                if (sscanf(line, "running %ld", &v) == 1)
                    h->running = (int)v;
                else if (sscanf(line, "left %ld", &v) == 1)
                    append(left, sizeof left, " %ld", v);
            }
            if (left[0])
                snprintf(h->error, sizeof h->error,
                         "still running after SIGKILL:%s", left);
        }
        running += h->running;
        run_free(r);
    }
    scripts_free(scripts, s->nhosts);
    free(runs);
    return running;
}

int pp_ssh_stop(pp_ssh *s, const char *profile, double grace_s)
{
    return stop_or_status(s, profile, true, grace_s, grace_s + 20);
}

void pp_ssh_status(pp_ssh *s, const char *profile, double timeout_s)
{
    stop_or_status(s, profile, false, 0, timeout_s);
}

/* --- the state file --------------------------------------------------------- */

json_t *pp_ssh_to_json(const pp_ssh *s)
{
    json_t *hosts = json_array(), *words = json_array();
    for (int i = 0; i < s->nhosts; i++) {
        const pp_ssh_host *h = &s->hosts[i];
        if (!h->npids)
            continue;
        json_t *pids = json_array();
        for (int k = 0; k < h->npids; k++)
            json_array_append_new(pids, json_integer(h->pids[k]));
        json_array_append_new(
            hosts, json_pack("{s:s, s:s, s:i, s:s, s:o}", "host", h->name,
                             "user", h->user, "port", h->port, "dir",
                             h->dir, "pids", pids));
    }
    for (int i = 0; i < s->nwords; i++)
        json_array_append_new(words, json_string(s->words[i]));
    return json_pack("{s:o, s:o}", "hosts", hosts, "options", words);
}

int pp_ssh_from_json(pp_ssh *s, json_t *j, pp_error *err)
{
    memset(s, 0, sizeof *s);
    json_t *hosts = json_object_get(j, "hosts");
    json_t *words = json_object_get(j, "options");
    if (!json_is_array(hosts) || !json_is_array(words)
        || json_array_size(hosts) > PP_SSH_MAX_HOSTS
        || json_array_size(words) > PP_SSH_MAX_WORDS)
        return pp_error_set(err, PP_EINVAL, "a bad \"ssh\" object");
    s->hosts = calloc(json_array_size(hosts) + 1, sizeof *s->hosts);
    if (!s->hosts)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(words); i++) {
        const char *w = json_string_value(json_array_get(words, i));
        if (!w || !(s->words[s->nwords] = strdup(w))) {
            pp_ssh_free(s);
            return pp_error_set(err, PP_EINVAL, "a bad \"ssh\" option");
        }
        s->nwords++;
    }
    for (size_t i = 0; i < json_array_size(hosts); i++) {
        json_t *o = json_array_get(hosts, i);
        pp_ssh_host *h = &s->hosts[s->nhosts];
        const char *name = json_string_value(json_object_get(o, "host"));
        const char *user = json_string_value(json_object_get(o, "user"));
        const char *dir = json_string_value(json_object_get(o, "dir"));
        json_t *pids = json_object_get(o, "pids");
        if (!name || !host_name_ok(name) || !user || !dir
            || !json_is_array(pids)
            || json_array_size(pids) > PP_SSH_MAX_ENGINES) {
            pp_ssh_free(s);
            return pp_error_set(err, PP_EINVAL, "a bad \"ssh\" host");
        }
        snprintf(h->name, sizeof h->name, "%s", name);
        snprintf(h->user, sizeof h->user, "%s", user);
        snprintf(h->dir, sizeof h->dir, "%s", dir);
        h->port = (int)json_integer_value(json_object_get(o, "port"));
        for (size_t k = 0; k < json_array_size(pids); k++) {
            json_int_t p = json_integer_value(json_array_get(pids, k));
            if (p > 1)
                h->pids[h->npids++] = (long)p;
        }
        h->nengines = h->npids;
        s->nhosts++;
    }
    return 0;
}

/* --- the controller's address ---------------------------------------------- */

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr)
                >> 24)
               == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        /* ::ffff:127.x.y.z */
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

int pp_ssh_check_address(const char *option, const char *addr,
                         pp_error *err)
{
    static const char hint[] =
        "remote engines need an address of this machine they can reach: "
        "give --ip (or --location) its LAN address";
    if (!addr || !*addr || strcmp(addr, "*") == 0
        || strcmp(addr, "0.0.0.0") == 0)
        return pp_error_set(err, PP_EINVAL, "--hosts: %s", hint);
    char host[256];
    snprintf(host, sizeof host, "%s", addr);
    /* [v6] as a location is written */
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc)
        return pp_error_set(err, PP_EINVAL,
                            "--hosts: %s '%s' does not resolve here (%s); "
                            "%s",
                            option, addr, gai_strerror(rc), hint);
    char found[INET6_ADDRSTRLEN] = "";
    for (struct addrinfo *p = res; p && !found[0]; p = p->ai_next)
        if (is_loopback(p->ai_addr))
            getnameinfo(p->ai_addr, p->ai_addrlen, found, sizeof found, NULL,
                        0, NI_NUMERICHOST);
    freeaddrinfo(res);
    if (found[0] && strcmp(found, host) == 0)
        return pp_error_set(err, PP_EINVAL,
                            "--hosts: %s %s is a loopback address; %s",
                            option, addr, hint);
    if (found[0])
        return pp_error_set(err, PP_EINVAL,
                            "--hosts: %s %s resolves to the loopback address "
                            "%s (as Debian's /etc/hosts names this machine "
                            "'127.0.1.1 hostname'); %s",
                            option, addr, found, hint);
    return 0;
}
