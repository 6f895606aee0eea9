/* mpi.h - the MPI launcher: the engines as the N ranks of one mpiexec job
 * (Open MPI's; ipcluster's MPI engine launcher).
 *
 * mpiexec runs in a session of its own (setsid), logging to
 * <profile>/log/mpiexec.log with its engines' output.  Open MPI puts each
 * rank in a process group of its own, but all of them stay in mpiexec's
 * session, so the session is what is counted and ended; its id is
 * mpiexec's PID, recorded in the state file.  A session is only signalled
 * while one of its processes still names this profile's engine.json on
 * its command line (a session id used again by others is left alone).
 *
 * One engine that dies does not end the job: mpiexec runs with
 * --enable-recovery, so the other ranks go on and the controller fails or
 * retries the dead engine's tasks as for any engine (Open MPI's default
 * would abort the whole job, every engine with it). */
#ifndef PP_MPI_H
#define PP_MPI_H

#include <jansson.h>
#include <stdbool.h>

#include "files.h"
#include "pipar/error.h"

#define PP_MPI_MAX_WORDS 32   /* --mpi-args words */
#define PP_MPI_MAX_ARGV 64    /* what pp_mpi_argv may make */
#define PP_MPI_MAX_MEMBERS 1024

typedef struct pp_mpi {
    int n;                         /* ranks: the engines */
    char *words[PP_MPI_MAX_WORDS]; /* --mpi-args, owned */
    int nwords;
    long pid;                      /* mpiexec, leader of its session */
    char engine_json[PP_PATH_MAX]; /* what the session's commands name */
    char log[PP_PATH_MAX];         /* mpiexec's output */
    char n_text[16];               /* -n's word in pp_mpi_argv */
    char mpiexec[PP_PATH_MAX];     /* pp_mpi_find's; not in the state */
    long long log_start;           /* where this start's output begins */
} pp_mpi;

/* What is left of the job: mpiexec itself, and its engine processes and
 * others (orted, ssh to other nodes) in its session. */
typedef struct pp_mpi_state {
    bool mpiexec;
    int engines;
    int others;
} pp_mpi_state;

/* --mpi-args TEXT: split into words as sh would, without a shell ('...',
 * "...", backslash); refuses -n/-np/-c (the count is the launcher's -n). */
int pp_mpi_add_args(pp_mpi *m, const char *text, pp_error *err);

/* The mpiexec program on PATH; a one-line error naming it and its Debian
 * package otherwise. */
int pp_mpi_find(char *out, size_t size, pp_error *err);

/* The command line that starts the engines, into argv (NULL-terminated,
 * pointing into m, the arguments and static strings):
 *   MPIEXEC [--allow-run-as-root] [--oversubscribe] --enable-recovery
 *       -x PIPAR_DIR -n N WORDS... ENGINE --file ENGINE_JSON
 *       --log-level info ENG_ARGS...
 * --allow-run-as-root when root; --oversubscribe when the words name no
 * hosts (--host, -H, --hostfile, ...): Open MPI gives this machine one slot
 * a physical core (not a hardware thread, which is what sysconf counts), and
 * engines, like the local launcher's, may be more than the cores.  Returns
 * the number of words. */
int pp_mpi_argv(pp_mpi *m, const char *mpiexec, const char *engine,
                char *const *eng_args, int neng_args, bool root,
                char **argv);

/* Starts mpiexec (argv from pp_mpi_argv) in a session of its own, with
 * PIPAR_DIR=pipar_dir, its output to m->log; sets m->pid. */
int pp_mpi_start(pp_mpi *m, char **argv, const char *pipar_dir,
                 pp_error *err);

/* While the start waits for registrations: mpiexec (a child of this
 * process) has exited.  Then the error says how, with the first line of
 * its log. */
int pp_mpi_check_exited(pp_mpi *m, pp_error *err);

/* What runs in the session now (nothing when it is not ours). */
pp_mpi_state pp_mpi_status(const pp_mpi *m);

/* SIGTERM to mpiexec (it ends its ranks, which unregister), or to every
 * process of the session when mpiexec is gone; SIGKILL to all that are
 * left after grace_s.  Returns how many processes ran. */
int pp_mpi_stop(pp_mpi *m, double grace_s);

/* The state file's "mpi" object, and back. */
json_t *pp_mpi_to_json(const pp_mpi *m);
int pp_mpi_from_json(pp_mpi *m, json_t *j, pp_error *err);

/* Frees the words and zeroes m; safe on a zeroed m. */
void pp_mpi_free(pp_mpi *m);

#endif
