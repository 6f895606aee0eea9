/* slurm.h - the Slurm launcher: the engines as the N tasks of one batch
 * job (ipcluster's Slurm engine launcher).
 *
 * The batch script is written into the profile's folder (engines.sbatch,
 * through a temporary name) and runs `srun ENGINE --file ENGINE_JSON`, so
 * the compute nodes must see this machine's PIPAR_DIR and engine program
 * at the same paths (a shared file system) and reach the controller's
 * address.  The job id from sbatch is recorded in the state file and is
 * all that `cluster stop` cancels (scancel JOBID). */
#ifndef PP_SLURM_H
#define PP_SLURM_H

#include <jansson.h>
#include <stdbool.h>

#include "files.h"
#include "pipar/error.h"

typedef struct pp_slurm {
    int n;               /* tasks: the engines */
    char partition[64];  /* "" : the cluster's default */
    char time[32];       /* "" : the partition's default */
    char job[32];        /* from sbatch; "" before */
    char script[PP_PATH_MAX];
} pp_slurm;

/* --partition: a name of letters, digits and "-_.", or a comma-separated
 * list of them (sbatch takes either), under 64 characters. */
int pp_slurm_check_partition(const char *value, pp_error *err);

/* --time in one of Slurm's forms: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM,
 * D-HH:MM:SS (after the first field, minutes and seconds 0-59, hours
 * 0-23). */
int pp_slurm_check_time(const char *value, pp_error *err);

/* The batch script, into out (size bytes).  engine: the engine program;
 * profile_dir: <PIPAR_DIR>/profile_NAME.  Fails when it does not fit or a
 * path cannot go on an #SBATCH line (white space, a quote, a control
 * character). */
int pp_slurm_script(const pp_slurm *s, const char *profile,
                    const char *pipar_dir, const char *profile_dir,
                    const char *engine, char *const *eng_args,
                    int neng_args, char *out, size_t size, pp_error *err);

/* sbatch on PATH; a one-line error naming it and its package otherwise. */
int pp_slurm_find(pp_error *err);

/* Writes text to s->script (0700, temporary name then rename) and submits
 * it with `sbatch --parsable`; sets s->job. */
int pp_slurm_submit(pp_slurm *s, const char *text, pp_error *err);

/* scancel JOBID; the error carries scancel's own words. */
int pp_slurm_cancel(const pp_slurm *s, pp_error *err);

/* The job's state as squeue gives it (PENDING, RUNNING, ...), or "not in
 * the queue" once it has ended; the error when squeue cannot answer. */
int pp_slurm_state(const pp_slurm *s, char *out, size_t size,
                   pp_error *err);

/* The state file's "slurm" object, and back. */
json_t *pp_slurm_to_json(const pp_slurm *s);
int pp_slurm_from_json(pp_slurm *s, json_t *j, pp_error *err);

#endif
