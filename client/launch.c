/* launch.c - the local launcher: fork, exec, wait for registration, stop. */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "connfile.h"
#include "pipar/client.h"
#include "proc.h"
#include "wire.h"

int pp_exe_dir(char *out, size_t size, pp_error *err)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        return pp_error_set(err, PP_EIO, "cannot find this program's path");
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash)
        *slash = '\0';
    return 0;
}

bool pp_pid_runs(pid_t pid, const char *program)
{
    if (!pp_pid_alive(pid))
        return false;
    char name[256];
    pp_exe_name(pid, name, sizeof name);
    return strcmp(name, program) == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Forks and execs bin_dir/program with argv; the child sees PIPAR_DIR. */
static pid_t spawn(const pp_cluster *cl, const char *bin_dir,
                   const char *program, char *const argv[],
                   const char *log_path, pp_error *err)
{
    char exe[PP_PATH_MAX];
    snprintf(exe, sizeof exe, "%s/%s", bin_dir, program);
    if (access(exe, X_OK)) {
        pp_error_set(err, PP_ENOENT, "cannot run %s: %s", exe,
                     strerror(errno));
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        pp_error_set(err, PP_EIO, "cannot fork: %s", strerror(errno));
        return -1;
    }
    if (pid > 0)
        return pid;
    /* The child: only async-signal-safe calls until exec. */
    if (cl->detached) {
        setsid();
    } else {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
    }
    if (log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
    }
    setenv("PIPAR_DIR", cl->pipar_dir, 1);
    /* The controller removes the folders of a run's cluster if we cannot
     * (controller/setup.c, remove_run_dirs). */
    if (cl->temporary && strcmp(program, "controller") == 0)
        setenv("PIPAR_RUN_DIR", cl->pipar_dir, 1);
    execv(exe, argv);
    _exit(127);
}

static int write_state(const pp_cluster *cl, pp_error *err)
{
    char path[PP_PATH_MAX], dir[PP_PATH_MAX];
    int rc = pp_profile_path(cl->profile, "pid", "cluster.json", path,
                             sizeof path, err);
    if (rc)
        return rc;
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    if ((rc = pp_mkdirs(dir, 0700, err)))
        return rc;
    json_t *engines = json_array();
    for (int i = 0; i < cl->nengines; i++)
        json_array_append_new(engines, json_integer(cl->engines[i]));
    json_t *root = json_pack("{s:I, s:o, s:s}", "controller",
                             (json_int_t)cl->controller, "engines", engines,
                             "pipar_dir", cl->pipar_dir);
    if (root && cl->ssh)
        json_object_set_new(root, "ssh", pp_ssh_to_json(cl->ssh));
    if (root && cl->mpi)
        json_object_set_new(root, "mpi", pp_mpi_to_json(cl->mpi));
    if (root && cl->slurm)
        json_object_set_new(root, "slurm", pp_slurm_to_json(cl->slurm));
    char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
    json_decref(root);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    rc = pp_file_write_atomic(path, text, strlen(text), 0600, err);
    free(text);
    return rc;
}

int pp_cluster_load(pp_cluster *cl, const char *profile, pp_error *err)
{
    memset(cl, 0, sizeof *cl);
    char path[PP_PATH_MAX];
    int rc = pp_profile_path(profile, "pid", "cluster.json", path,
                             sizeof path, err);
    if (rc)
        return rc;
    char *text;
    if ((rc = pp_file_read(path, &text, NULL, 1 << 20, err)))
        return rc;
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    free(text);
    json_t *ctl = json_object_get(root, "controller");
    json_t *engines = json_object_get(root, "engines");
    const char *dir = json_string_value(json_object_get(root, "pipar_dir"));
    if (!json_is_integer(ctl) || !json_is_array(engines) || !dir
        || json_array_size(engines) > PP_MAX_LOCAL_ENGINES) {
        json_decref(root);
        return pp_error_set(err, PP_EINVAL,
                            "%s is not a cluster state file", path);
    }
    snprintf(cl->profile, sizeof cl->profile, "%s", profile);
    snprintf(cl->pipar_dir, sizeof cl->pipar_dir, "%s", dir);
    cl->detached = true;
    cl->controller = (pid_t)json_integer_value(ctl);
    for (size_t i = 0; i < json_array_size(engines); i++)
        cl->engines[cl->nengines++] =
            (pid_t)json_integer_value(json_array_get(engines, i));
    json_t *ssh = json_object_get(root, "ssh");
    json_t *mpi = json_object_get(root, "mpi");
    json_t *slurm = json_object_get(root, "slurm");
    if (ssh) {
        cl->ssh = calloc(1, sizeof *cl->ssh);
        rc = cl->ssh ? pp_ssh_from_json(cl->ssh, ssh, err)
                     : pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    if (!rc && mpi) {
        cl->mpi = calloc(1, sizeof *cl->mpi);
        rc = cl->mpi ? pp_mpi_from_json(cl->mpi, mpi, err)
                     : pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    if (!rc && slurm) {
        cl->slurm = calloc(1, sizeof *cl->slurm);
        rc = cl->slurm ? pp_slurm_from_json(cl->slurm, slurm, err)
                       : pp_error_set(err, PP_ENOMEM, "out of memory");
    }
    if (rc) {
        pp_error_prefix(err, "%s: ", path);
        pp_cluster_free(cl);
    }
    json_decref(root);
    return rc;
}

void pp_cluster_free(pp_cluster *cl)
{
    if (cl->ssh) {
        pp_ssh_free(cl->ssh);
        free(cl->ssh);
        cl->ssh = NULL;
    }
    if (cl->mpi) {
        pp_mpi_free(cl->mpi);
        free(cl->mpi);
        cl->mpi = NULL;
    }
    free(cl->slurm);
    cl->slurm = NULL;
}

void pp_cluster_forget(const pp_cluster *cl)
{
    char path[PP_PATH_MAX];
    pp_error err;
    if (pp_profile_path(cl->profile, "pid", "cluster.json", path,
                        sizeof path, &err) == 0)
        unlink(path);
}

/* Waits until client.json names the controller we started. */
static int await_files(pp_cluster *cl, const char *client_json,
                       int64_t deadline, pp_error *err)
{
    for (;;) {
        pp_conninfo ci;
        pp_error ignored;
        if (pp_conninfo_read(client_json, &ci, &ignored) == 0
            && ci.controller_pid == cl->controller)
            return 0;
        int status;
        if (!cl->detached
                ? waitpid(cl->controller, &status, WNOHANG) == cl->controller
                : !pp_pid_alive(cl->controller)) {
            cl->controller = 0;
            return pp_error_set(err, PP_EIO,
                                "the controller exited before writing %s%s",
                                client_json,
                                cl->detached ? " (see log/controller.log "
                                               "in the profile)"
                                             : "");
        }
        if (pp_mono_ns() > deadline)
            return pp_error_set(err, PP_ETIMEDOUT,
                                "the controller did not write %s in time",
                                client_json);
        sleep_ms(2);
    }
}

static int await_engines(pp_cluster *cl, const char *client_json,
                         int expected, int64_t deadline, pp_error *err)
{
    pp_client *c = pp_client_connect(
        client_json, (double)(deadline - pp_mono_ns()) / 1e9, err);
    if (!c)
        return err->code;
    int rc = 0;
    for (;;) {
        int64_t *ids = NULL;
        size_t n = 0;
        rc = pp_client_ids(c, &ids, &n, err);
        free(ids);
        if (rc || (int)n >= expected)
            break;
        for (int i = 0; i < cl->nengines; i++) {
            if (!cl->detached && cl->engines[i] > 0
                && waitpid(cl->engines[i], NULL, WNOHANG) == cl->engines[i]) {
                cl->engines[i] = 0;
                rc = pp_error_set(err, PP_EIO,
                                  "engine %d exited before registering", i);
            }
        }
        if (!rc && cl->mpi)
            rc = pp_mpi_check_exited(cl->mpi, err);
        if (rc)
            break;
        if (pp_mono_ns() > deadline) {
            rc = pp_error_set(err, PP_ETIMEDOUT,
                              "only %zu of %d engines registered in time%s%s",
                              n, expected,
                              cl->ssh ? " (the engines' logs are in "
                                        "log/ of the profile on each host)"
                                      : "",
                              cl->mpi ? " (see log/mpiexec.log in the "
                                        "profile)"
                                      : "");
            break;
        }
        sleep_ms(2);
    }
    pp_client_destroy(&c);
    return rc;
}

void pp_cluster_controller_args(pp_cluster *cl, char *const *args,
                                int nargs)
{
    cl->nctl_args = 0;
    for (int i = 0; i < nargs && i < 16; i++)
        cl->ctl_args[cl->nctl_args++] = args[i];
}

void pp_cluster_engine_args(pp_cluster *cl, char *const *args, int nargs)
{
    cl->neng_args = 0;
    for (int i = 0; i < nargs && i < 8; i++)
        cl->eng_args[cl->neng_args++] = args[i];
}

/* The engines as the ranks of one mpiexec, recorded at once: what runs can
 * be stopped even if this process dies before they register. */
static int start_mpi(pp_cluster *cl, const char *bin, const char *profdir,
                     const char *engine_json, pp_error *err)
{
    pp_mpi *m = cl->mpi;
    char engine[PP_PATH_MAX + 8];
    snprintf(engine, sizeof engine, "%s/engine", bin);
    snprintf(m->engine_json, sizeof m->engine_json, "%s", engine_json);
    if (snprintf(m->log, sizeof m->log, "%s/log/mpiexec.log", profdir)
        >= (int)sizeof m->log)
        return pp_error_set(err, PP_EINVAL, "%s: path too long", profdir);
    char *argv[PP_MPI_MAX_ARGV];
    pp_mpi_argv(m, m->mpiexec, engine, cl->eng_args, cl->neng_args,
                geteuid() == 0, argv);
    int rc = pp_mpi_start(m, argv, cl->pipar_dir, err);
    if (!rc && cl->detached)
        rc = write_state(cl, err);
    return rc;
}

/* The engines as one Slurm batch job: the script into the profile, sbatch,
 * the job id recorded. */
static int submit_slurm(pp_cluster *cl, const char *bin, const char *profdir,
                        pp_error *err)
{
    pp_slurm *s = cl->slurm;
    char engine[PP_PATH_MAX + 8];
    snprintf(engine, sizeof engine, "%s/engine", bin);
    if (snprintf(s->script, sizeof s->script, "%s/engines.sbatch", profdir)
        >= (int)sizeof s->script)
        return pp_error_set(err, PP_EINVAL, "%s: path too long", profdir);
    char *text = malloc(65536);
    if (!text)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = pp_slurm_script(s, cl->profile, cl->pipar_dir, profdir, engine,
                             cl->eng_args, cl->neng_args, text, 65536, err);
    if (!rc)
        rc = pp_slurm_submit(s, text, err);
    free(text);
    if (!rc && cl->detached)
        rc = write_state(cl, err);
    return rc;
}

int pp_cluster_start(pp_cluster *cl, const char *pipar_dir,
                     const char *profile, int n, bool detached,
                     double timeout_s, pp_error *err)
{
    char *ctl_args[16], *eng_args[8];
    int nctl_args = cl->nctl_args, neng_args = cl->neng_args;
    pp_ssh *ssh = cl->ssh;
    pp_mpi *mpi = cl->mpi;
    pp_slurm *slurm = cl->slurm;
    memcpy(ctl_args, cl->ctl_args, sizeof ctl_args);
    memcpy(eng_args, cl->eng_args, sizeof eng_args);
    memset(cl, 0, sizeof *cl);
    memcpy(cl->ctl_args, ctl_args, sizeof ctl_args);
    memcpy(cl->eng_args, eng_args, sizeof eng_args);
    cl->nctl_args = nctl_args;
    cl->neng_args = neng_args;
    cl->ssh = ssh;
    cl->mpi = mpi;
    cl->slurm = slurm;
    int64_t t0 = pp_mono_ns();
    int64_t deadline = t0 + (int64_t)(timeout_s * 1e9);
    if (n < (ssh || mpi || slurm ? 0 : 1) || n > PP_MAX_LOCAL_ENGINES)
        return pp_error_set(err, PP_EINVAL, "-n: %d engines (1 to %d)", n,
                            PP_MAX_LOCAL_ENGINES);
    cl->detached = detached;
    snprintf(cl->profile, sizeof cl->profile, "%s", profile);
    if (pipar_dir) {
        snprintf(cl->pipar_dir, sizeof cl->pipar_dir, "%s", pipar_dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(cl->pipar_dir, sizeof cl->pipar_dir, "%s/pipar-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(cl->pipar_dir))
            return pp_error_set(err, PP_EIO, "cannot make %s: %s",
                                cl->pipar_dir, strerror(errno));
        cl->temporary = true;
    }
    char bin[PP_PATH_MAX], profdir[PP_PATH_MAX], client_json[PP_PATH_MAX],
        engine_json[PP_PATH_MAX], log_ctl[PP_PATH_MAX + 32];
    int rc = pp_exe_dir(bin, sizeof bin, err);
    /* The paths are those of the cluster's PIPAR_DIR, not ours. */
    char *saved = getenv("PIPAR_DIR") ? strdup(getenv("PIPAR_DIR")) : NULL;
    setenv("PIPAR_DIR", cl->pipar_dir, 1);
    if (!rc)
        rc = pp_profile_dir(profile, profdir, sizeof profdir, err);
    if (!rc)
        rc = pp_profile_path(profile, "security", "client.json", client_json,
                             sizeof client_json, err);
    if (!rc)
        rc = pp_profile_path(profile, "security", "engine.json", engine_json,
                             sizeof engine_json, err);
    if (!rc && detached) {
        char logdir[PP_PATH_MAX + 8];
        snprintf(logdir, sizeof logdir, "%s/log", profdir);
        rc = pp_mkdirs(logdir, 0700, err);
    }
    if (saved) {
        setenv("PIPAR_DIR", saved, 1);
        free(saved);
    } else {
        unsetenv("PIPAR_DIR");
    }
    if (rc)
        goto fail;

    char prof_arg[80];
    snprintf(prof_arg, sizeof prof_arg, "%s", profile);
    snprintf(log_ctl, sizeof log_ctl, "%s/log/controller.log", profdir);
    char *ctl_argv[6 + 16] = { "controller", "--profile", prof_arg,
                               "--log-level", detached ? "info" : "warn" };
    for (int i = 0; i < cl->nctl_args; i++)
        ctl_argv[5 + i] = cl->ctl_args[i];
    ctl_argv[5 + cl->nctl_args] = NULL;
    cl->controller = spawn(cl, bin, "controller", ctl_argv,
                           detached ? log_ctl : NULL, err);
    if (cl->controller < 0) {
        cl->controller = 0;
        rc = err->code;
        goto fail;
    }
    if ((rc = await_files(cl, client_json, deadline, err)))
        goto fail;
    for (int i = 0; i < n; i++) {
        char log_eng[PP_PATH_MAX + 32];
        snprintf(log_eng, sizeof log_eng, "%s/log/engine-%d.log", profdir,
                 i);
        char *eng_argv[6 + 8] = { "engine", "--file", engine_json,
                                  "--log-level", detached ? "info" : "warn" };
        for (int k = 0; k < cl->neng_args; k++)
            eng_argv[5 + k] = cl->eng_args[k];
        eng_argv[5 + cl->neng_args] = NULL;
        pid_t pid = spawn(cl, bin, "engine", eng_argv,
                          detached ? log_eng : NULL, err);
        if (pid < 0) {
            rc = err->code;
            goto fail;
        }
        cl->engines[cl->nengines++] = pid;
    }
    int expected = cl->nengines;
    if (cl->ssh) {
        double left = (double)(deadline - pp_mono_ns()) / 1e9;
        cl->ssh_hosts_started =
            pp_ssh_start(cl->ssh, profile, engine_json, cl->eng_args,
                         cl->neng_args, left < 5 ? 5 : left);
        expected += pp_ssh_started(cl->ssh);
        /* Recorded at once: what runs on the hosts can be stopped even if
         * this process dies before the engines register. */
        if (detached && (rc = write_state(cl, err)))
            goto fail;
        if (expected == 0) {
            rc = pp_error_set(err, PP_EIO,
                              "no host could start its engines");
            goto fail;
        }
    }
    if (cl->mpi) {
        if ((rc = start_mpi(cl, bin, profdir, engine_json, err)))
            goto fail;
        expected += cl->mpi->n;
    }
    if (cl->slurm && (rc = submit_slurm(cl, bin, profdir, err)))
        goto fail;
    if ((rc = await_engines(cl, client_json, expected, deadline, err)))
        goto fail;
    if (detached && (rc = write_state(cl, err)))
        goto fail;
    cl->start_seconds = (double)(pp_mono_ns() - t0) / 1e9;
    return 0;
fail:
    pp_cluster_stop(cl, 2);
    return rc;
}

/* Whether process pid has PIPAR_DIR=dir in its environment (as spawn
 * gives it): not readable (another user's), not ours. */
static bool has_pipar_dir(pid_t pid, const char *dir)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/environ", (long)pid);
    char *text = NULL;
    size_t size = 0;
    pp_error ignored;
    if (pp_file_read(path, &text, &size, 1 << 20, &ignored))
        return false;
    size_t want = strlen("PIPAR_DIR=") + strlen(dir);
    bool found = false;
    for (size_t i = 0; i < size && !found; i += strlen(text + i) + 1)
        found = strlen(text + i) == want
                && strncmp(text + i, "PIPAR_DIR=", 10) == 0
                && strcmp(text + i + 10, dir) == 0;
    free(text);
    return found;
}

static bool gone(const pp_cluster *cl, pid_t pid, const char *program)
{
    if (pid <= 0)
        return true;
    if (!cl->detached) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        return r == pid || (r < 0 && errno == ECHILD);
    }
    /* A PID from the state file names our process only while it runs our
     * program with this cluster's PIPAR_DIR: once that one has ended, its
     * PID may be another's, even another cluster's engine (PIDs wrap at
     * 32768 on many systems, a Pi's among them). */
    return !pp_pid_runs(pid, program) || !has_pipar_dir(pid, cl->pipar_dir);
}

/* After the signal: gone once the process is, not once its program is
 * (an exiting process loses /proc/PID/exe before it ends). */
static bool ended(const pp_cluster *cl, pid_t pid)
{
    if (!cl->detached) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        return r == pid || (r < 0 && errno == ECHILD);
    }
    return !pp_pid_alive(pid);
}

/* Signals the processes (only while they still run our programs) and waits
 * for them, up to grace_s; returns how many had to be killed. */
static int end_all(const pp_cluster *cl, pid_t *pids, int n,
                   const char *program, double grace_s)
{
    for (int i = 0; i < n; i++) {
        if (gone(cl, pids[i], program)) {
            pids[i] = 0; /* not ours (any more): left alone */
        } else {
            kill(pids[i], SIGTERM);
            /* One stopped (SIGSTOP: hung for a test, or by hand) acts on
             * it now, not when the grace runs out and SIGKILL leaves its
             * files behind. */
            kill(pids[i], SIGCONT);
        }
    }
    int64_t deadline = pp_mono_ns() + (int64_t)(grace_s * 1e9);
    int killed = 0;
    for (;;) {
        int left = 0;
        for (int i = 0; i < n; i++) {
            if (pids[i] > 0 && ended(cl, pids[i]))
                pids[i] = 0;
            left += pids[i] > 0;
        }
        if (!left)
            return killed;
        if (pp_mono_ns() > deadline) {
            for (int i = 0; i < n; i++)
                if (pids[i] > 0 && !ended(cl, pids[i])) {
                    kill(pids[i], SIGKILL);
                    killed++;
                }
            grace_s = 1;
            deadline = pp_mono_ns() + (int64_t)1e9;
            if (killed > 2 * n)
                return killed;
        }
        sleep_ms(5);
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) ? 0 : 0;
}

int pp_cluster_stop(pp_cluster *cl, double grace_s)
{
    int running = 0;
    for (int i = 0; i < cl->nengines; i++)
        running += !gone(cl, cl->engines[i], "engine");
    running += !gone(cl, cl->controller, "controller");
    /* Engines first, so they can unregister with a controller that is
     * still there. */
    if (cl->ssh)
        running += pp_ssh_stop(cl->ssh, cl->profile, grace_s);
    if (cl->mpi)
        running += pp_mpi_stop(cl->mpi, grace_s);
    cl->stop_error[0] = '\0';
    pp_error serr;
    if (cl->slurm && cl->slurm->job[0] && pp_slurm_cancel(cl->slurm, &serr))
        snprintf(cl->stop_error, sizeof cl->stop_error, "%s", serr.msg);
    end_all(cl, cl->engines, cl->nengines, "engine", grace_s);
    end_all(cl, &cl->controller, 1, "controller", grace_s);
    if (cl->detached)
        pp_cluster_forget(cl);
    if (cl->temporary) {
        nftw(cl->pipar_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        cl->temporary = false;
    }
    return running;
}
