/* modules.c - compile, cache, dlopen and run workload modules. */
#include "modules.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "sha256.h"
#include "wire.h"
#include "workload.h"

#define MODULE_NAME_MAX 31
#define MODULE_ROWS_MAX 256
#define SUMMARY_MAX 200
#define CC_WORDS_MAX 8
/* The cache folder's path leaves room for a key and a suffix. */
#define DIR_MAX (PP_PATH_MAX - 256)

extern char **environ;

struct module {
    module *next;
    char name[MODULE_NAME_MAX + 1];
    char key[PP_SHA256_HEX];
    void *handle;
    const pp_module *table;
};

/* The flags every module is compiled with.  Hidden visibility keeps a
 * module's own functions from binding to the engine's symbols of the same
 * name; only PP_MODULE's table is exported. */
static const char *const CC_FLAGS[] = {
    "-O2", "-shared", "-fPIC", "-fvisibility=hidden",
    "-fdiagnostics-color=never",
};
#define NFLAGS (sizeof CC_FLAGS / sizeof CC_FLAGS[0])

void modules_init(modules *m, const modules_config *cfg)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (!m->cfg.cc || !*m->cfg.cc)
        m->cfg.cc = "cc";
    if (m->cfg.cc_timeout_s <= 0)
        m->cfg.cc_timeout_s = 120;
}

static void module_close(module **mod_p)
{
    module *mod = *mod_p;
    if (!mod)
        return;
    if (mod->handle)
        dlclose(mod->handle);
    free(mod);
    *mod_p = NULL;
}

static void list_free(module **head)
{
    while (*head) {
        module *next = (*head)->next;
        module_close(head);
        *head = next;
    }
}

void modules_free(modules *m)
{
    list_free(&m->staged);
    list_free(&m->active);
}

/* Unlinks and returns the module of that name in the list, or NULL. */
static module *list_take(module **head, const char *name)
{
    for (module **p = head; *p; p = &(*p)->next)
        if (strcmp((*p)->name, name) == 0) {
            module *mod = *p;
            *p = mod->next;
            mod->next = NULL;
            return mod;
        }
    return NULL;
}

static module *list_get(module *head, const char *name)
{
    for (; head; head = head->next)
        if (strcmp(head->name, name) == 0)
            return head;
    return NULL;
}

const pp_workload *modules_find(const modules *m, const char *name,
                                const char **module_name)
{
    for (const module *mod = m->active; mod; mod = mod->next)
        for (uint32_t i = 0; i < mod->table->count; i++)
            if (strcmp(mod->table->workloads[i].name, name) == 0) {
                if (module_name)
                    *module_name = mod->name;
                return &mod->table->workloads[i];
            }
    return NULL;
}

/* Names of workloads and modules: what fits a task header and a file
 * name. */
static bool name_ok(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')
              || (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'
              || (s[n] == '.' && n > 0)))
            return false;
    return n > 0 && n <= max;
}

static bool builtin(const char *name)
{
    return pp_workload_find(name) || strcmp(name, "load") == 0
           || strcmp(name, "unload") == 0;
}

/* ---- the compiler --------------------------------------------------- */

static int cache_dir(const modules *m, char *out, size_t size,
                     pp_error *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (m->cfg.cache_dir)
        n = snprintf(out, size, "%s", m->cfg.cache_dir);
    else if (xdg && *xdg)
        n = snprintf(out, size, "%s/pipar/modules", xdg);
    else if (home && *home)
        n = snprintf(out, size, "%s/.cache/pipar/modules", home);
    else
        return pp_error_set(err, PP_EIO,
                            "no cache folder for modules (set "
                            "XDG_CACHE_HOME or HOME, or give engine "
                            "--cache-dir)");
    if (n < 0 || (size_t)n >= size)
        return pp_error_set(err, PP_EINVAL, "the cache folder's path is too "
                                            "long");
    return pp_mkdirs(out, 0700, err);
}

/* Where the pipar headers this engine was built with are: the installed
 * ones for an installed engine, else the source tree's. */
static const char *include_dir(void)
{
    char exe[PP_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        if (strcmp(exe, PIPAR_INSTALL_BIN_DIR) == 0)
            return PIPAR_INSTALL_INCLUDE_DIR;
    }
    struct stat st;
    if (stat(PIPAR_SOURCE_INCLUDE_DIR "/pipar/workload.h", &st) == 0)
        return PIPAR_SOURCE_INCLUDE_DIR;
    return PIPAR_INSTALL_INCLUDE_DIR;
}

/* Splits the compiler command at spaces into argv (pointing into buf). */
static int cc_words(const modules *m, char *buf, size_t size, char **argv,
                    size_t *n, pp_error *err)
{
    if (snprintf(buf, size, "%s", m->cfg.cc) >= (int)size)
        return pp_error_set(err, PP_EINVAL, "the compiler command is too "
                                            "long");
    *n = 0;
    for (char *save = NULL, *w = strtok_r(buf, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        if (*n == CC_WORDS_MAX)
            return pp_error_set(err, PP_EINVAL,
                                "the compiler command has more than %d "
                                "words",
                                CC_WORDS_MAX);
        argv[(*n)++] = w;
    }
    if (*n == 0)
        return pp_error_set(err, PP_EINVAL, "the compiler command is empty");
    return 0;
}

/* Runs argv with stdout and stderr into log_path, in a process group of
 * its own (so that a compiler that hangs is killed with its children);
 * waits at most timeout_s.  *status is the exit status, or -1 when it was
 * killed. */
static int run_logged(char *const argv[], const char *log_path,
                      double timeout_s, int *status, pp_error *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc)
        return pp_error_set(err, PP_EIO, "cannot run the compiler '%s': %s",
                            argv[0], strerror(rc));
    int64_t deadline = pp_mono_ns() + (int64_t)(timeout_s * 1e9);
    int ws = 0;
    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return pp_error_set(err, PP_EIO, "waiting for the compiler: %s",
                                strerror(errno));
        if (pp_mono_ns() > deadline) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
                ;
            *status = -1;
            return pp_error_set(err, PP_ETIMEDOUT,
                                "the compiler ran for more than %g s and "
                                "was stopped",
                                timeout_s);
        }
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    return 0;
}

/* Reads at most MODULES_LOG_MAX bytes of a log (NUL-terminated, never
 * NULL unless out of memory). */
static char *read_log(const char *path)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        text = malloc(MODULES_LOG_MAX + 1);
        if (text)
            size = fread(text, 1, MODULES_LOG_MAX, f);
        fclose(f);
    }
    if (!text)
        text = malloc(MODULES_LOG_MAX + 1);
    if (text)
        text[size] = '\0';
    return text;
}

/* The compiler's first `--version` line, once per engine: part of the
 * cache key, so that a compiler upgrade compiles again. */
static int cc_identify(modules *m, const char dir[DIR_MAX], pp_error *err)
{
    if (m->cc_id[0])
        return 0;
    char buf[512], *argv[CC_WORDS_MAX + 2];
    size_t n;
    int rc = cc_words(m, buf, sizeof buf, argv, &n, err);
    if (rc)
        return rc;
    argv[n] = "--version";
    argv[n + 1] = NULL;
    char log[PP_PATH_MAX];
    snprintf(log, sizeof log, "%.*s/cc-version.%ld.log", DIR_MAX, dir,
             (long)getpid());
    int status;
    rc = run_logged(argv, log, 30, &status, err);
    char *text = rc ? NULL : read_log(log);
    unlink(log);
    if (rc)
        return rc;
    if (!text || status != 0) {
        free(text);
        return pp_error_set(err, PP_EIO,
                            "the compiler '%s' did not run (exit status "
                            "%d; see engine --cc)",
                            m->cfg.cc, status);
    }
    text[strcspn(text, "\n")] = '\0';
    snprintf(m->cc_id, sizeof m->cc_id, "%s", text[0] ? text : "?");
    free(text);
    return 0;
}

/* #line "name": with characters a C string literal cannot hold plainly
 * replaced, so that the compiler's messages name the file as the user
 * named it. */
static void line_name(const char *display, char *out, size_t size)
{
    size_t k = 0;
    for (const char *p = display; *p && k + 2 < size; p++)
        out[k++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
                       ? '?'
                       : *p;
    out[k] = '\0';
}

/* Compiles source into dir/KEY.so unless the cache has it.  *log gets
 * the compiler's output when it failed (return 0 with *log set), NULL
 * when it succeeded. */
static int compile(modules *m, const char *display, const char *src,
                   size_t len, char key[PP_SHA256_HEX], char so[PP_PATH_MAX],
                   bool *cached, char **log, pp_error *err)
{
    *log = NULL;
    char dir[DIR_MAX];
    int rc = cache_dir(m, dir, sizeof dir, err);
    if (!rc)
        rc = cc_identify(m, dir, err);
    if (rc)
        return rc;
    const char *inc = include_dir();
    struct utsname un;
    if (uname(&un))
        snprintf(un.machine, sizeof un.machine, "?");
    char name[256];
    line_name(display, name, sizeof name);

    /* The key: everything that makes a different shared object. */
    char head[2048];
    int hn = snprintf(head, sizeof head,
                      "pipar module\nabi %d\narch %s\ncc %s\ncc-id %s\n"
                      "include %s\nfile %s\nflags",
                      PP_WORKLOAD_ABI, un.machine, m->cfg.cc, m->cc_id, inc,
                      name);
    for (size_t i = 0; i < NFLAGS && hn > 0 && (size_t)hn < sizeof head;
         i++)
        hn += snprintf(head + hn, sizeof head - (size_t)hn, " %s",
                       CC_FLAGS[i]);
    if (hn < 0 || (size_t)hn >= sizeof head - 2)
        return pp_error_set(err, PP_EINVAL, "the compiler command is too "
                                            "long");
    head[hn++] = '\n';
    char *keyed = malloc((size_t)hn + len);
    if (!keyed)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    memcpy(keyed, head, (size_t)hn);
    memcpy(keyed + hn, src, len);
    rc = pp_sha256_buf(keyed, (size_t)hn + len, key, err);
    free(keyed);
    if (rc)
        return rc;

    snprintf(so, PP_PATH_MAX, "%s/%s.so", dir, key);
    *cached = access(so, R_OK) == 0;
    if (*cached)
        return 0;
    /* Engines that share the cache (one machine) compile a source once:
     * the second waits for the first and finds its result. */
    char lock[PP_PATH_MAX];
    snprintf(lock, sizeof lock, "%s/%s.lock", dir, key);
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd >= 0)
        while (flock(lfd, LOCK_EX) && errno == EINTR)
            ;
    *cached = access(so, R_OK) == 0;
    if (*cached) {
        if (lfd >= 0)
            close(lfd);
        return 0;
    }
    char csrc[PP_PATH_MAX], tmp_so[PP_PATH_MAX], logf[PP_PATH_MAX];
    long pid = (long)getpid();
    snprintf(csrc, sizeof csrc, "%s/%s.%ld.c", dir, key, pid);
    snprintf(tmp_so, sizeof tmp_so, "%s/%s.%ld.so.tmp", dir, key, pid);
    snprintf(logf, sizeof logf, "%s/%s.%ld.log", dir, key, pid);
    FILE *f = fopen(csrc, "w");
    bool wrote = f && fprintf(f, "#line 1 \"%s\"\n", name) > 0
                 && fwrite(src, 1, len, f) == len;
    if (f && fclose(f))
        wrote = false;
    if (!wrote) {
        rc = pp_error_set(err, PP_EIO, "cannot write %s: %s", csrc,
                          strerror(errno));
        goto out;
    }
    char buf[512], *argv[CC_WORDS_MAX + NFLAGS + 8];
    size_t n;
    if ((rc = cc_words(m, buf, sizeof buf, argv, &n, err)))
        goto out;
    for (size_t i = 0; i < NFLAGS; i++)
        argv[n++] = (char *)CC_FLAGS[i];
    argv[n++] = "-I";
    argv[n++] = (char *)inc;
    argv[n++] = "-o";
    argv[n++] = tmp_so;
    argv[n++] = csrc;
    argv[n++] = "-lm";
    argv[n] = NULL;
    int status;
    rc = run_logged(argv, logf, m->cfg.cc_timeout_s, &status, err);
    if (rc)
        goto out;
    if (status != 0) {
        *log = read_log(logf);
        if (!*log)
            rc = pp_error_set(err, PP_ENOMEM, "out of memory");
        else if (!**log) {
            free(*log);
            *log = NULL;
            rc = pp_error_set(err, PP_EIO,
                              "the compiler '%s' failed with exit status %d "
                              "and said nothing",
                              m->cfg.cc, status);
        }
        goto out;
    }
    if (rename(tmp_so, so))
        rc = pp_error_set(err, PP_EIO, "cannot write %s: %s", so,
                          strerror(errno));
out:
    unlink(csrc);
    unlink(tmp_so);
    unlink(logf);
    if (lfd >= 0)
        close(lfd);
    return rc;
}

/* ---- opening and checking --------------------------------------------- */

static int module_open(const char *name, const char *display,
                       const char *so, const char *key, module **out,
                       pp_error *err)
{
    module *mod = calloc(1, sizeof *mod);
    if (!mod)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    snprintf(mod->name, sizeof mod->name, "%s", name);
    snprintf(mod->key, sizeof mod->key, "%s", key);
    dlerror();
    mod->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!mod->handle) {
        const char *why = dlerror();
        why = why ? why : "unknown error";
        /* dlerror starts with the cache path, which means nothing to the
         * user: keep what follows it. */
        const char *after = strstr(why, ".so: ");
        free(mod);
        return pp_error_set(err, PP_EINVAL, "%s: cannot be loaded: %s",
                            display, after ? after + 5 : why);
    }
    const pp_module *t = dlsym(mod->handle, PP_MODULE_SYMBOL);
    int rc = 0;
    if (!t)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s declares no workloads (end it with "
                          "PP_MODULE(...); see docs/workloads.md)",
                          display);
    else if (t->abi != PP_WORKLOAD_ABI)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s was built for workload ABI %u; this engine "
                          "has %d",
                          display, (unsigned)t->abi, PP_WORKLOAD_ABI);
    else if (t->count == 0 || t->count > MODULE_ROWS_MAX || !t->workloads)
        rc = pp_error_set(err, PP_EINVAL,
                          "%s declares %u workloads (1 to %d)", display,
                          (unsigned)t->count, MODULE_ROWS_MAX);
    for (uint32_t i = 0; !rc && i < t->count; i++) {
        const pp_workload *w = &t->workloads[i];
        if (!w->name || !name_ok(w->name, PP_NAME_MAX - 1))
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: workload %u's name is not 1 to %d "
                              "letters, digits, '_', '-' or '.'",
                              display, (unsigned)i, PP_NAME_MAX - 1);
        else if (!w->run)
            rc = pp_error_set(err, PP_EINVAL, "%s: workload '%s' has no "
                                              "function",
                              display, w->name);
        else if (!w->summary || strlen(w->summary) > SUMMARY_MAX
                 || strpbrk(w->summary, "\t\n\r"))
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: workload '%s' needs a one-line summary "
                              "of at most %d characters",
                              display, w->name, SUMMARY_MAX);
        else if (builtin(w->name))
            rc = pp_error_set(err, PP_EINVAL,
                              "%s: '%s' is the name of a built-in workload",
                              display, w->name);
        for (uint32_t k = 0; !rc && k < i; k++)
            if (strcmp(t->workloads[k].name, w->name) == 0)
                rc = pp_error_set(err, PP_EINVAL,
                                  "%s: workload '%s' is declared twice",
                                  display, w->name);
    }
    mod->table = t;
    if (rc) {
        module_close(&mod);
        return rc;
    }
    *out = mod;
    return 0;
}

/* A workload of mod that another active module has. */
static int check_clash(const modules *m, const module *mod,
                       const char *display, pp_error *err)
{
    for (uint32_t i = 0; i < mod->table->count; i++) {
        const char *owner;
        const char *name = mod->table->workloads[i].name;
        if (modules_find(m, name, &owner) && strcmp(owner, mod->name) != 0)
            return pp_error_set(err, PP_EINVAL,
                                "%s: workload '%s' is already loaded from "
                                "module '%s' (unload it first)",
                                display, name, owner);
    }
    return 0;
}

static char *names_of(const module *mod)
{
    size_t size = 1;
    for (uint32_t i = 0; i < mod->table->count; i++)
        size += strlen(mod->table->workloads[i].name) + 1;
    char *s = malloc(size), *p = s;
    if (!s)
        return NULL;
    *p = '\0';
    for (uint32_t i = 0; i < mod->table->count; i++)
        p += sprintf(p, "%s%s", i ? "," : "", mod->table->workloads[i].name);
    return s;
}

static int refused(const modules *m, pp_error *err)
{
    if (m->cfg.refuse)
        return pp_error_set(err, PP_EINVAL,
                            "this engine refuses modules (started with "
                            "--no-load)");
    if (geteuid() == 0 && !m->cfg.allow_root)
        return pp_error_set(err, PP_EINVAL,
                            "this engine runs as root and refuses modules "
                            "(start it with --allow-root-modules to allow "
                            "them)");
    return 0;
}

/* Compiles and opens a module, checked against the active ones.  On a
 * compile error returns 0 with *log set and *out NULL. */
static int prepare(modules *m, const char *name, const char *display,
                   const char *src, size_t len, module **out, bool *cached,
                   char **log, pp_error *err)
{
    *out = NULL;
    if (!name_ok(name, MODULE_NAME_MAX))
        return pp_error_set(err, PP_EINVAL,
                            "'%s' is not a module name (1 to %d letters, "
                            "digits, '_', '-' or '.')",
                            name, MODULE_NAME_MAX);
    if (len > MODULES_SOURCE_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "%s is %zu bytes; a module may have at most %d",
                            display, len, MODULES_SOURCE_MAX);
    char key[PP_SHA256_HEX], so[PP_PATH_MAX];
    int rc = compile(m, display, src, len, key, so, cached, log, err);
    if (rc || *log)
        return rc;
    rc = module_open(name, display, so, key, out, err);
    if (!rc && (rc = check_clash(m, *out, display, err)))
        module_close(out);
    return rc;
}

/* Makes mod the active module of its name, closing the one it
 * replaces. */
static void activate(modules *m, module *mod)
{
    module *old = list_take(&m->active, mod->name);
    mod->next = m->active;
    m->active = mod;
    module_close(&old);
}

/* "load: " before err's message; returns its code. */
static int load_error(pp_error *err, int code)
{
    err->code = code;
    pp_error_prefix(err, "load: ");
    return code;
}

static int push_str(pp_values *out, const char *s, pp_error *err)
{
    return pp_ret_str(out, s, err);
}

int modules_load_run(modules *m, const pp_value *args, size_t nargs,
                     pp_values *out, pp_error *err)
{
    char phase[16], name[MODULE_NAME_MAX + 2], display[256];
    int rc = refused(m, err);
    if (rc)
        return load_error(err, rc);
    if (pp_arg_str(args, nargs, 0, phase, sizeof phase, err)
        || pp_arg_str(args, nargs, 1, name, sizeof name, err))
        return load_error(err, PP_EINVAL);
    if (strcmp(phase, "abort") == 0) {
        module *mod = list_take(&m->staged, name);
        module_close(&mod);
        return 0;
    }
    if (strcmp(phase, "commit") == 0) {
        module *mod = list_take(&m->staged, name);
        const char *state = "unchanged";
        if (mod) {
            bool replaced = list_get(m->active, name) != NULL;
            /* Checked again: another module may have come meanwhile. */
            if ((rc = check_clash(m, mod, name, err))) {
                module_close(&mod);
                return load_error(err, rc);
            }
            activate(m, mod);
            state = replaced ? "replaced" : "loaded";
        } else if (!list_get(m->active, name)) {
            return pp_error_set(err, PP_ENOENT,
                                "load: nothing was prepared for module "
                                "'%s'",
                                name);
        }
        char *names = names_of(list_get(m->active, name));
        rc = names ? push_str(out, state, err) || push_str(out, names, err)
                   : pp_error_set(err, PP_ENOMEM, "out of memory");
        free(names);
        return rc;
    }
    if (strcmp(phase, "prepare") != 0)
        return pp_error_set(err, PP_EINVAL,
                            "load: '%s' is not prepare, commit or abort",
                            phase);
    const void *src;
    size_t len;
    if (pp_arg_str(args, nargs, 2, display, sizeof display, err)
        || pp_arg_bytes(args, nargs, 3, &src, &len, err))
        return load_error(err, PP_EINVAL);
    int64_t t0 = pp_mono_ns();
    module *mod = NULL, *old = NULL;
    bool cached = false;
    char *log = NULL;
    rc = prepare(m, name, display, src, len, &mod, &cached, &log, err);
    if (rc)
        return load_error(err, rc);
    const char *state = log ? "failed" : cached ? "cached" : "compiled";
    module *active = list_get(m->active, name);
    if (mod && active && strcmp(active->key, mod->key) == 0) {
        state = "unchanged";
        module_close(&mod);
    } else if (mod) {
        old = list_take(&m->staged, name);
        module_close(&old);
        mod->next = m->staged;
        m->staged = mod;
    }
    char *names = mod ? names_of(mod) : active && !log ? names_of(active)
                                                       : strdup("");
    double secs = (double)(pp_mono_ns() - t0) / 1e9;
    rc = names ? 0 : pp_error_set(err, PP_ENOMEM, "out of memory");
    if (!rc)
        rc = push_str(out, state, err) || push_str(out, names, err)
                     || push_str(out, log ? log : "", err)
                     || pp_ret_f64(out, secs, err)
                 ? PP_ENOMEM
                 : 0;
    free(names);
    free(log);
    return rc;
}

int modules_unload_run(modules *m, const pp_value *args, size_t nargs,
                       pp_values *out, pp_error *err)
{
    char name[MODULE_NAME_MAX + 2];
    if (nargs != 1 || pp_arg_str(args, nargs, 0, name, sizeof name, err))
        return pp_error_set(err, PP_EINVAL, "unload: needs one module name");
    module *staged = list_take(&m->staged, name);
    module_close(&staged);
    module *mod = list_take(&m->active, name);
    if (!mod)
        return pp_error_set(err, PP_ENOENT, "unload: no module named '%s'",
                            name);
    char *names = names_of(mod);
    module_close(&mod);
    int rc = names ? pp_ret_str(out, names, err)
                   : pp_error_set(err, PP_ENOMEM, "out of memory");
    free(names);
    return rc;
}

int modules_list(const modules *m, char **buf, size_t *len)
{
    for (const module *mod = m->active; mod; mod = mod->next)
        for (uint32_t i = 0; i < mod->table->count; i++) {
            const pp_workload *w = &mod->table->workloads[i];
            size_t add = strlen(w->name) + strlen(w->summary)
                         + strlen(mod->name) + 4;
            char *grown = realloc(*buf, *len + add + 1);
            if (!grown)
                return PP_ENOMEM;
            *buf = grown;
            *len += (size_t)sprintf(grown + *len, "%s\t%s\t%s\n", w->name,
                                    w->summary, mod->name);
        }
    return 0;
}

void modules_load_dir(modules *m)
{
    const char *dir = m->cfg.modules_dir;
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        return;
    pp_error err = { 0 };
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 3 || n > MODULE_NAME_MAX + 2
            || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        if (refused(m, &err)) {
            pp_warn("not loading the modules of %s: %s", dir, err.msg);
            break;
        }
        char name[MODULE_NAME_MAX + 1], path[PP_PATH_MAX + 64],
            display[256] = "";
        snprintf(name, sizeof name, "%.*s", (int)(n - 2), e->d_name);
        /* NAME.name: the file name the user loaded it as. */
        snprintf(path, sizeof path, "%s/%s.name", dir, name);
        char *text = NULL, *src = NULL;
        size_t len = 0;
        if (pp_file_read(path, &text, NULL, sizeof display, &err) == 0) {
            snprintf(display, sizeof display, "%s", text);
            display[strcspn(display, "\n")] = '\0';
        }
        free(text);
        if (!display[0])
            snprintf(display, sizeof display, "%s", e->d_name);
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        module *mod = NULL;
        bool cached;
        char *log = NULL;
        int rc = pp_file_read(path, &src, &len, MODULES_SOURCE_MAX, &err);
        if (!rc)
            rc = prepare(m, name, display, src, len, &mod, &cached, &log,
                         &err);
        free(src);
        if (rc || log)
            pp_warn("module %s (%s) not loaded: %s", name, path,
                    log ? "it did not compile" : err.msg);
        else {
            activate(m, mod);
            pp_info("loaded module %s from %s (%s)", name, path,
                    cached ? "cache hit" : "compiled");
        }
        free(log);
    }
    closedir(d);
}

int modules_load_file(modules *m, const char *path, pp_error *err)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    char name[MODULE_NAME_MAX + 1];
    if (n < 3 || strcmp(base + n - 2, ".c") != 0 || n - 2 > MODULE_NAME_MAX)
        return pp_error_set(err, PP_EINVAL,
                            "%s: not a module source (NAME.c, NAME at most "
                            "%d characters)",
                            path, MODULE_NAME_MAX);
    snprintf(name, sizeof name, "%.*s", (int)(n - 2), base);
    int rc = refused(m, err);
    if (rc) {
        pp_error_prefix(err, "%s: ", path);
        return rc;
    }
    char *src = NULL, *log = NULL;
    size_t len = 0;
    module *mod = NULL;
    bool cached = false;
    rc = pp_file_read(path, &src, &len, MODULES_SOURCE_MAX, err);
    if (!rc) {
        rc = prepare(m, name, path, src, len, &mod, &cached, &log, err);
        if (rc)
            pp_error_prefix(err, "%s: ", path);
    }
    free(src);
    if (!rc && log) {
        /* The compiler's first error says most; the rest follows from
         * it. */
        const char *line = strstr(log, "error");
        while (line && line > log && line[-1] != '\n')
            line--;
        if (!line)
            line = log;
        rc = pp_error_set(err, PP_EINVAL, "%s does not compile: %.*s", path,
                          (int)strcspn(line, "\n"), line);
        free(log);
        return rc;
    }
    if (rc)
        return rc;
    activate(m, mod);
    pp_info("loaded module %s from %s (%s)", name, path,
            cached ? "cache hit" : "compiled");
    return 0;
}
