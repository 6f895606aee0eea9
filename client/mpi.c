/* mpi.c - the MPI launcher: mpiexec's command line, its session started,
 * counted and ended, and its record in the state file. */
#include "mpi.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "wire.h"

int pp_mpi_add_args(pp_mpi *m, const char *text, pp_error *err)
{
    int first = m->nwords;
    int rc = pp_split_words("--mpi-args", text, m->words, PP_MPI_MAX_WORDS,
                            &m->nwords, err);
    for (int i = first; !rc && i < m->nwords; i++) {
        const char *w = m->words[i];
        if (strcmp(w, "-n") == 0 || strcmp(w, "-np") == 0
            || strcmp(w, "--np") == 0 || strcmp(w, "-c") == 0
            || strncmp(w, "--np=", 5) == 0)
            rc = pp_error_set(err, PP_EINVAL,
                              "--mpi-args: '%s': the number of engines is "
                              "the launcher's -n",
                              w);
    }
    return rc;
}

int pp_mpi_find(char *out, size_t size, pp_error *err)
{
    if (!pp_which("mpiexec", out, size))
        return pp_error_set(err, PP_ENOENT,
                            "--launcher mpi: no mpiexec on PATH (Debian "
                            "package openmpi-bin)");
    return 0;
}

/* Open MPI's options that say where ranks go: then the slots are the
 * user's to give, and none are added. */
static bool names_hosts(const pp_mpi *m)
{
    static const char *const opts[] = {
        "-H", "--host", "-host", "--hostfile", "-hostfile", "--machinefile",
        "-machinefile", "--default-hostfile", "-default-hostfile",
    };
    for (int i = 0; i < m->nwords; i++)
        for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
            size_t len = strlen(opts[k]);
            if (strncmp(m->words[i], opts[k], len) == 0
                && (m->words[i][len] == '\0' || m->words[i][len] == '='))
                return true;
        }
    return false;
}

int pp_mpi_argv(pp_mpi *m, const char *mpiexec, const char *engine,
                char *const *eng_args, int neng_args, bool root,
                char **argv)
{
    int n = 0;
    argv[n++] = (char *)mpiexec;
    if (root)
        argv[n++] = "--allow-run-as-root";
    if (!names_hosts(m))
        argv[n++] = "--oversubscribe";
    argv[n++] = "--enable-recovery";
    /* Ranks on other nodes get this machine's PIPAR_DIR too. */
    argv[n++] = "-x";
    argv[n++] = "PIPAR_DIR";
    snprintf(m->n_text, sizeof m->n_text, "%d", m->n);
    argv[n++] = "-n";
    argv[n++] = m->n_text;
    for (int i = 0; i < m->nwords; i++)
        argv[n++] = m->words[i];
    argv[n++] = (char *)engine;
    argv[n++] = "--file";
    argv[n++] = m->engine_json;
    argv[n++] = "--log-level";
    argv[n++] = "info";
    for (int i = 0; i < neng_args && n < PP_MPI_MAX_ARGV - 1; i++)
        argv[n++] = eng_args[i];
    argv[n] = NULL;
    return n;
}

int pp_mpi_start(pp_mpi *m, char **argv, const char *pipar_dir,
                 pp_error *err)
{
    int fd = open(m->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0)
        return pp_error_set(err, PP_EIO, "cannot open %s: %s", m->log,
                            strerror(errno));
    struct stat st;
    m->log_start = fstat(fd, &st) == 0 ? (long long)st.st_size : 0;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd);
        return pp_error_set(err, PP_EIO, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        setsid();
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
        setenv("PIPAR_DIR", pipar_dir, 1);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd);
    m->pid = pid;
    return 0;
}

int pp_mpi_check_exited(pp_mpi *m, pp_error *err)
{
    int status;
    if (m->pid <= 0 || waitpid((pid_t)m->pid, &status, WNOHANG) != m->pid)
        return 0;
    char *text = NULL, line[300] = "";
    size_t size = 0;
    pp_error ignored;
    /* The log is appended to: what this mpiexec said comes after
     * log_start. */
    if (pp_file_read(m->log, &text, &size, 1 << 20, &ignored) == 0
        && (long long)size >= m->log_start)
        pp_first_line(text + m->log_start, line, sizeof line);
    free(text);
    char how[48];
    if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "was killed by signal %d",
                 WTERMSIG(status));
    else
        snprintf(how, sizeof how, "exited with status %d",
                 WEXITSTATUS(status));
    return pp_error_set(err, PP_EIO,
                        "mpiexec %s before the engines registered: %s (%s)",
                        how, line[0] ? line : "it printed nothing", m->log);
}

/* The session's members, when it is still ours: one of them names our
 * engine.json (mpiexec and every rank do). */
static int members(const pp_mpi *m, long *pids)
{
    if (m->pid <= 0 || !m->engine_json[0])
        return 0;
    int n = pp_session_members(m->pid, pids, PP_MPI_MAX_MEMBERS);
    for (int i = 0; i < n; i++)
        if (pp_cmdline_has(pids[i], m->engine_json))
            return n;
    return 0;
}

pp_mpi_state pp_mpi_status(const pp_mpi *m)
{
    pp_mpi_state st = { .mpiexec = false };
    long *pids = malloc(PP_MPI_MAX_MEMBERS * sizeof *pids);
    int n = pids ? members(m, pids) : 0;
    for (int i = 0; i < n; i++) {
        char name[64];
        pp_exe_name(pids[i], name, sizeof name);
        char parent[64];
        pp_exe_name(pp_parent_of(pids[i]), parent, sizeof parent);
        if (pids[i] == m->pid)
            st.mpiexec = true;
        else if (strcmp(name, "engine") == 0)
            /* An engine's worker is the rank's child: one engine. */
            st.engines += strcmp(parent, "engine") != 0;
        else
            st.others++;
    }
    free(pids);
    return st;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

int pp_mpi_stop(pp_mpi *m, double grace_s)
{
    long *pids = malloc(PP_MPI_MAX_MEMBERS * sizeof *pids);
    if (!pids)
        return 0;
    int running = members(m, pids);
    if (!running) {
        free(pids);
        return 0;
    }
    /* mpiexec hands SIGTERM on to its ranks and waits for them; without
     * it the ranks are told themselves. */
    bool leader = pp_pid_alive(m->pid);
    bool told_all = false;
    if (leader)
        kill((pid_t)m->pid, SIGTERM);
    int64_t deadline = pp_mono_ns() + (int64_t)(grace_s * 1e9);
    int kills = 0;
    for (;;) {
        /* Reaps mpiexec when this process started it. */
        waitpid((pid_t)m->pid, NULL, WNOHANG);
        int n = members(m, pids);
        if (!n)
            break;
        if (!told_all && !pp_pid_alive(m->pid)) {
            for (int i = 0; i < n; i++)
                kill((pid_t)pids[i], SIGTERM);
            told_all = true;
        }
        if (pp_mono_ns() > deadline) {
            for (int i = 0; i < n; i++)
                kill((pid_t)pids[i], SIGKILL);
            /* A second round for any forked meanwhile, then give up. */
            if (++kills > 3)
                break;
            deadline = pp_mono_ns() + (int64_t)1e9;
        }
        sleep_ms(10);
    }
    waitpid((pid_t)m->pid, NULL, WNOHANG);
    free(pids);
    return running;
}

json_t *pp_mpi_to_json(const pp_mpi *m)
{
    json_t *words = json_array();
    for (int i = 0; i < m->nwords; i++)
        json_array_append_new(words, json_string(m->words[i]));
    return json_pack("{s:I, s:i, s:s, s:s, s:o}", "pid", (json_int_t)m->pid,
                     "n", m->n, "engine_json", m->engine_json, "log", m->log,
                     "args", words);
}

int pp_mpi_from_json(pp_mpi *m, json_t *j, pp_error *err)
{
    memset(m, 0, sizeof *m);
    json_t *pid = json_object_get(j, "pid"), *n = json_object_get(j, "n");
    const char *file = json_string_value(json_object_get(j, "engine_json"));
    const char *log = json_string_value(json_object_get(j, "log"));
    json_t *words = json_object_get(j, "args");
    if (!json_is_integer(pid) || !json_is_integer(n) || !file || !log
        || !json_is_array(words) || json_array_size(words) > PP_MPI_MAX_WORDS
        || strlen(file) >= sizeof m->engine_json
        || strlen(log) >= sizeof m->log)
        return pp_error_set(err, PP_EINVAL, "a bad \"mpi\" object");
    m->pid = (long)json_integer_value(pid);
    m->n = (int)json_integer_value(n);
    snprintf(m->engine_json, sizeof m->engine_json, "%s", file);
    snprintf(m->log, sizeof m->log, "%s", log);
    for (size_t i = 0; i < json_array_size(words); i++) {
        const char *w = json_string_value(json_array_get(words, i));
        if (!w || !(m->words[m->nwords] = strdup(w))) {
            pp_mpi_free(m);
            return pp_error_set(err, PP_EINVAL, "a bad \"mpi\" argument");
        }
        m->nwords++;
    }
    return 0;
}

void pp_mpi_free(pp_mpi *m)
{
    for (int i = 0; i < m->nwords; i++)
        free(m->words[i]);
    memset(m, 0, sizeof *m);
}
