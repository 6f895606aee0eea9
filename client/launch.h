/* launch.h - starting and stopping a local cluster: one controller and N
 * engines as processes of this machine (ipcluster's local launcher).
 *
 * Only processes this module started are ever signalled, by their PID, and
 * a PID read back from a file is signalled only while /proc says it is
 * still our controller or engine. */
#ifndef PP_LAUNCH_H
#define PP_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>

#include "files.h"
#include "pipar/error.h"
#include "mpi.h"
#include "slurm.h"
#include "ssh.h"

#define PP_MAX_LOCAL_ENGINES 256

typedef struct pp_cluster {
    char pipar_dir[PP_PATH_MAX]; /* the PIPAR_DIR the processes use */
    char profile[72];
    bool detached;     /* outlives this process (driver cluster start) */
    bool temporary;    /* pipar_dir was made for this run; removed at stop */
    pid_t controller;
    pid_t engines[PP_MAX_LOCAL_ENGINES];
    int nengines;
    double start_seconds; /* until every engine had registered */
    char *ctl_args[16];
    int nctl_args;
    char *eng_args[8];
    int neng_args;
    /* Engines on other hosts (ssh.h), owned; NULL when none.  Set before
     * pp_cluster_start (then n may be 0); pp_cluster_stop leaves each
     * host's error to read; pp_cluster_free frees it. */
    pp_ssh *ssh;
    int ssh_hosts_started; /* hosts whose engines started */
    /* The engines as one mpiexec job (mpi.h) or one Slurm batch job
     * (slurm.h), owned, NULL when not; set before pp_cluster_start like
     * ssh (mpi->mpiexec found, n its engines).  The Slurm job's engines
     * register when Slurm runs it: the start does not wait for them. */
    pp_mpi *mpi;
    pp_slurm *slurm;
    char stop_error[512]; /* pp_cluster_stop: what may still run, "" */
} pp_cluster;

/* Starts a controller and n engines on loopback and waits (at most
 * timeout_s) until all n engines are registered.  pipar_dir NULL: a fresh
 * temporary directory, removed again by pp_cluster_stop.  detached: the
 * processes get their own session and log to <profile>/log/, and a state
 * file <profile>/pid/cluster.json records their PIDs; otherwise they die
 * with this process.  With cl->ssh, each host's engines are started over
 * ssh after the controller, and a host that cannot start them is left out
 * (its error set); the start fails only when no engine at all started.
 * On failure everything started is stopped. */
int pp_cluster_start(pp_cluster *cl, const char *pipar_dir,
                     const char *profile, int n, bool detached,
                     double timeout_s, pp_error *err);

/* Options passed on to the controller (--scheme, --hwm, ...), at most 16;
 * set before pp_cluster_start. */
void pp_cluster_controller_args(pp_cluster *cl, char *const *args,
                                int nargs);

/* Options passed on to every engine (--no-load, --allow-root-modules,
 * --no-restart), at most 8; set before pp_cluster_start. */
void pp_cluster_engine_args(pp_cluster *cl, char *const *args, int nargs);

/* Frees what a loaded or stopped cluster owns (its ssh hosts, its MPI or
 * Slurm job's record). */
void pp_cluster_free(pp_cluster *cl);

/* SIGTERM to the engines (they unregister), then the controller; SIGKILL
 * to any still there after grace_s.  An MPI job's session is ended the
 * same way (mpi.h); a Slurm job is cancelled, and when scancel fails its
 * words are in cl->stop_error.  Returns how many processes were running. */
int pp_cluster_stop(pp_cluster *cl, double grace_s);

/* Reads the state file of a detached cluster in the current PIPAR_DIR.
 * PP_ENOENT when there is none. */
int pp_cluster_load(pp_cluster *cl, const char *profile, pp_error *err);

/* Removes the state file of a detached cluster. */
void pp_cluster_forget(const pp_cluster *cl);

/* True when pid runs the named pipar program (controller or engine). */
bool pp_pid_runs(pid_t pid, const char *program);

/* The directory holding this executable, where its sibling programs are. */
int pp_exe_dir(char *out, size_t size, pp_error *err);

#endif
