/* supervise.c - the engine's supervisor: runs the worker, restarts it when
 * a workload kills it, and tells the controller which task died and why. */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "connfile.h"
#include "log.h"

static volatile sig_atomic_t sup_stop;
static int sig_pipe[2] = { -1, -1 };

/* SIGCHLD, SIGTERM and SIGINT wake the loop through the pipe. */
static void on_signal(int sig)
{
    int saved = errno;
    if (sig != SIGCHLD)
        sup_stop = 1;
    ssize_t ignored = write(sig_pipe[1], "", 1);
    (void)ignored;
    errno = saved;
}

const char *supervise_signal_name(int sig, char *buf, size_t size)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev)
        snprintf(buf, size, "SIG%s", abbrev);
    else
        snprintf(buf, size, "signal %d", sig);
    return buf;
}

/* The signals a process gets from its own faults (a workload's NULL
 * dereference, abort(), a division by zero, ...): the worker is restarted.
 * Any other (SIGKILL, SIGTERM from someone, the OOM killer) was a decision
 * about the engine, so it stays gone, as an engine without a supervisor
 * would, and its heartbeat tells the controller. */
static bool is_crash(int sig)
{
    switch (sig) {
    case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGABRT:
    case SIGSYS: case SIGTRAP: case SIGXCPU: case SIGXFSZ:
        return true;
    default:
        return false;
    }
}

/* What the supervisor knows of a worker killed by a signal. */
typedef struct death {
    bool pending;       /* not reported to the controller yet */
    int32_t engine;     /* -1: it died before registering */
    uint8_t rid[16];
    uint64_t task;      /* 0: no task was running */
    char name[PP_NAME_MAX];
    int sig;
    int64_t limit_ms;    /* killed for running past this time limit; 0:
                            killed by a fault of its own */
    int64_t deadline_ns; /* report without a new id after this */
} death;

/* A task with a time limit that the worker is running: when to kill it. */
typedef struct limit_watch {
    uint64_t task;       /* 0: none */
    int64_t limit_ms;
    int64_t kill_ns;     /* monotonic: start + limit + grace */
    bool killed;         /* SIGKILL sent for it */
} limit_watch;

/* Reads the task the worker runs and its limit (engine.h says why a task
 * read twice the same is consistent with them). */
static limit_watch watch_task(engine_shared *sh, const limit_watch *old)
{
    uint64_t t1 = atomic_load(&sh->task);
    int64_t started = atomic_load(&sh->started_ns);
    int64_t limit = atomic_load(&sh->limit_ms);
    uint64_t t2 = atomic_load(&sh->task);
    if (!t1 || t1 != t2 || limit <= 0)
        return (limit_watch){ 0 };
    if (old->task == t1)
        return *old;
    return (limit_watch){ .task = t1, .limit_ms = limit,
                          .kill_ns = started + limit * 1000000
                                     + SUPERVISE_GRACE_MS * 1000000LL };
}

static pid_t start_worker(const engine_config *cfg, engine_shared *sh,
                          const int ready[2], bool again, pp_error *err)
{
    atomic_store(&sh->id, -1);
    atomic_store(&sh->task, 0);
    sh->name[0] = '\0';
    fflush(NULL); /* nothing buffered is written twice */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        pp_error_set(err, PP_EIO, "cannot fork the engine's worker: %s",
                     strerror(errno));
        return -1;
    }
    if (pid > 0)
        return pid;
    /* The worker dies with its supervisor, so stopping the engine leaves
     * nothing behind: as abruptly, so `kill -9` of the supervisor is still
     * an engine that died (SIGTERM to the supervisor stops it cleanly). */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(ready[0]);
    engine_config c = *cfg;
    c.shared = sh;
    c.ready_fd = ready[1];
    c.restarted = again;
    pp_error e = { 0 };
    int rc = engine_run(&c, &e);
    if (rc)
        pp_err("%s", e.msg);
    exit(rc ? 1 : 0);
}

/* The words after "engine N " in the controller's message. */
static void death_text(const death *d, int32_t new_id, const char *outcome,
                       char *out, size_t size)
{
    char sig[32];
    supervise_signal_name(d->sig, sig, sizeof sig);
    int n = d->limit_ms ? snprintf(out, size,
                                   "was stopped: '%s' ran past its time "
                                   "limit of %g s", d->name,
                                   (double)d->limit_ms / 1e3)
          : d->task ? snprintf(out, size,
                               "was killed by %s while running '%s'", sig,
                               d->name)
                    : snprintf(out, size,
                               "was killed by %s between tasks", sig);
    if (n < 0 || (size_t)n >= size)
        return;
    if (new_id >= 0)
        snprintf(out + n, size - (size_t)n, "; it restarted as engine %d",
                 new_id);
    else
        snprintf(out + n, size - (size_t)n, "; %s", outcome);
}

/* Tells the controller: DIED with bytes (the dead worker's routing id,
 * which only that engine and the controller know), i64[4] (engine,
 * signal, task id, new engine or -1) and str (what the client reads after
 * "engine N: ").  Waits a little for the controller's answer. */
static void report(const engine_config *cfg, const death *d, int32_t new_id,
                   const char *outcome)
{
    char text[300];
    death_text(d, new_id, outcome, text, sizeof text);
    pp_warn("engine %d %s", d->engine, text);
    if (d->engine < 0)
        return; /* never registered: the controller held nothing of it */
    pp_conninfo ci;
    pp_error err;
    if (pp_conninfo_read(cfg->file, &ci, &err)) {
        pp_warn("could not report it to the controller: %s", err.msg);
        return;
    }
    char endpoint[300];
    pp_conninfo_endpoint(&ci, ci.engine_port, endpoint, sizeof endpoint);
    pp_signer *signer = pp_signer_new(ci.key, sizeof ci.key, &err);
    /* A context of its own, ended before the next fork. */
    void *ctx = signer ? zmq_ctx_new() : NULL;
    void *sock = ctx ? zmq_socket(ctx, ZMQ_DEALER) : NULL;
    if (!sock) {
        pp_warn("could not report it to the controller: no socket");
        goto out;
    }
    pp_signer_set_clock_window(signer, ci.clock_window_s);
    int linger = 0;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    if (pp_conninfo_secure(&ci, sock, &err) || zmq_connect(sock, endpoint)) {
        pp_warn("could not report it to the controller at %s", endpoint);
        goto out;
    }
    int64_t nums[4] = { d->engine, d->sig, (int64_t)d->task, new_id };
    pp_value vals[3];
    pp_value_borrow(&vals[0], PP_T_BYTES, d->rid, sizeof d->rid);
    if (pp_value_i64(&vals[1], nums, 4) || pp_value_str(&vals[2], text)) {
        pp_warn("could not report it to the controller: out of memory");
        goto out;
    }
    pp_header h = { .type = PP_MSG_DIED, .id = pp_msg_id_next(),
                    .engine = d->engine };
    if (pp_msg_send(sock, signer, NULL, 0, &h, vals, 3, &err)) {
        pp_warn("could not report it to the controller: %s", err.msg);
        goto out;
    }
    int64_t deadline = pp_mono_ns() + 3000000000LL;
    while (pp_mono_ns() < deadline && !sup_stop) {
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll(&item, 1, 100) <= 0)
            continue;
        pp_frames fr;
        pp_header rep;
        if (pp_frames_recv(sock, &fr, ZMQ_DONTWAIT, &err))
            continue;
        int rc = pp_frames_verify(&fr, signer, &rep, &err);
        pp_frames_close(&fr);
        if (rc == 0 && rep.type == PP_MSG_DIED && rep.parent == h.id)
            goto out;
    }
    pp_warn("the controller did not confirm the report of engine %d",
            d->engine);
out:
    if (sock)
        zmq_close(sock);
    if (ctx)
        zmq_ctx_term(ctx);
    pp_signer_destroy(&signer);
}

/* Stops the worker as a clean engine stops (it unregisters), and waits;
 * SIGKILL if it does not go within 10 s. */
static void stop_worker(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    /* A worker stopped (SIGSTOP, a debugger let go) acts on it now, not
     * when the deadline kills it. */
    kill(pid, SIGCONT);
    int64_t deadline = pp_mono_ns() + 10000000000LL;
    for (;;) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (pp_mono_ns() > deadline) {
            pp_warn("the worker (pid %ld) did not stop; killing it",
                    (long)pid);
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return;
        }
        /* Woken by SIGCHLD, or after 50 ms at the latest. */
        struct pollfd pf = { sig_pipe[0], POLLIN, 0 };
        if (poll(&pf, 1, 50) > 0) {
            char buf[64];
            while (read(sig_pipe[0], buf, sizeof buf) > 0)
                ;
        }
    }
}

int engine_supervise(const engine_config *cfg, bool restart, pp_error *err)
{
    engine_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return pp_error_set(err, PP_ENOMEM, "no shared page: %s",
                            strerror(errno));
    int ready[2];
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)
        || pipe2(ready, O_CLOEXEC)) {
        munmap(sh, sizeof *sh);
        return pp_error_set(err, PP_EIO, "no pipe: %s", strerror(errno));
    }
    fcntl(ready[0], F_SETFL, O_NONBLOCK);
    struct sigaction sa = { .sa_handler = on_signal,
                            .sa_flags = SA_RESTART | SA_NOCLDSTOP };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int rc = 0;
    int64_t restarts[SUPERVISE_MAX_RESTARTS] = { 0 }; /* ring of times */
    int nrestarts = 0;
    death d = { 0 };
    limit_watch lw = { 0 };
    pid_t worker = start_worker(cfg, sh, ready, false, err);
    if (worker < 0) {
        rc = err->code;
        goto out;
    }
    for (;;) {
        int timeout = -1;
        if (d.pending) {
            int64_t left = (d.deadline_ns - pp_mono_ns()) / 1000000;
            timeout = left > 0 ? (int)left : 0;
        }
        if (lw.task && !lw.killed) {
            int64_t left = (lw.kill_ns - pp_mono_ns()) / 1000000 + 1;
            if (left < 0)
                left = 0;
            if (timeout < 0 || left < timeout)
                timeout = left > INT32_MAX ? INT32_MAX : (int)left;
        }
        struct pollfd pf[2] = { { sig_pipe[0], POLLIN, 0 },
                                { ready[0], POLLIN, 0 } };
        int n = poll(pf, 2, timeout);
        if (n < 0 && errno != EINTR) {
            rc = pp_error_set(err, PP_EIO, "poll: %s", strerror(errno));
            stop_worker(worker);
            goto out;
        }
        char buf[64];
        while (read(sig_pipe[0], buf, sizeof buf) > 0)
            ;
        int32_t id;
        while (read(ready[0], &id, sizeof id) == (ssize_t)sizeof id)
            if (id == ENGINE_LIMITED_TASK)
                continue; /* read below */
            else if (d.pending) {
                /* The new worker registered: now the report can name it. */
                report(cfg, &d, id, NULL);
                d.pending = false;
            }
        if (sup_stop) {
            stop_worker(worker);
            goto out;
        }
        if (d.pending && pp_mono_ns() >= d.deadline_ns) {
            report(cfg, &d, -1, "it is restarting");
            d.pending = false;
        }
        if (!lw.killed)
            lw = watch_task(sh, &lw);
        if (lw.task && !lw.killed && pp_mono_ns() >= lw.kill_ns
            && atomic_load(&sh->task) == lw.task) {
            /* A workload in a loop reads no message and no flag: only the
             * process can be stopped.  Restarted as after a crash. */
            pp_info("task %016llx ran past its time limit of %g s; "
                    "stopping the worker", (unsigned long long)lw.task,
                    (double)lw.limit_ms / 1e3);
            kill(worker, SIGKILL);
            lw.killed = true;
        }
        int status;
        pid_t r = waitpid(worker, &status, WNOHANG);
        if (r != worker)
            continue;
        worker = 0;
        if (WIFEXITED(status)) {
            /* It stopped on its own (told to, or it could not register):
             * not a crash, so not restarted.  It said why. */
            rc = WEXITSTATUS(status);
            goto out;
        }
        int sig = WTERMSIG(status);
        bool over_limit = lw.killed && sig == SIGKILL;
        int64_t limit_ms = over_limit ? lw.limit_ms : 0;
        lw = (limit_watch){ 0 };
        if (!over_limit && !is_crash(sig)) {
            char name[32];
            pp_info("the worker (engine %d) was killed by %s; the engine "
                    "stops", atomic_load(&sh->id),
                    supervise_signal_name(sig, name, sizeof name));
            if (d.pending)
                report(cfg, &d, -1, "it is restarting");
            rc = 128 + sig; /* as a shell reports a process killed so */
            goto out;
        }
        int32_t dead_id = atomic_load(&sh->id);
        if (dead_id >= 0 || !d.pending) {
            /* A worker that died before registering leaves the report of
             * its predecessor, if any, as it was. */
            if (d.pending)
                report(cfg, &d, -1, "it is restarting");
            d = (death){ .pending = true, .engine = dead_id, .sig = sig,
                         .task = atomic_load(&sh->task),
                         .limit_ms = limit_ms };
            memcpy(d.rid, sh->rid, sizeof d.rid);
            memcpy(d.name, sh->name, sizeof d.name);
        } else {
            d.sig = sig;
            d.limit_ms = limit_ms;
        }
        if (!restart) {
            report(cfg, &d, -1,
                   "it was started with --no-restart, so it stays down");
            rc = pp_error_set(err, PP_EREMOTE, "the engine's worker was "
                              "killed by a signal (--no-restart)");
            goto out;
        }
        int64_t now = pp_mono_ns();
        int slot = nrestarts % SUPERVISE_MAX_RESTARTS;
        /* Stopping a task at its limit is no sign of a worker that cannot
         * start, so it does not count towards giving up. */
        if (!over_limit && nrestarts >= SUPERVISE_MAX_RESTARTS
            && now - restarts[slot] < SUPERVISE_WINDOW_S * 1000000000LL) {
            char text[120];
            snprintf(text, sizeof text,
                     "it was restarted %d times within %d s, so its "
                     "supervisor gives up",
                     SUPERVISE_MAX_RESTARTS, SUPERVISE_WINDOW_S);
            report(cfg, &d, -1, text);
            rc = pp_error_set(err, PP_EREMOTE, "the engine's worker was "
                              "killed %d times within %d s; giving up",
                              SUPERVISE_MAX_RESTARTS + 1,
                              SUPERVISE_WINDOW_S);
            goto out;
        }
        if (!over_limit) {
            restarts[slot] = now;
            nrestarts++;
        }
        d.deadline_ns = now + (int64_t)((cfg->timeout_s + 1) * 1e9);
        worker = start_worker(cfg, sh, ready, true, err);
        if (worker < 0) {
            report(cfg, &d, -1, "restarting it failed");
            rc = err->code;
            goto out;
        }
    }
out:
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    close(ready[0]);
    close(ready[1]);
    munmap(sh, sizeof *sh);
    return rc;
}
