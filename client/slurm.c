/* slurm.c - the Slurm launcher: options checked, the batch script written
 * and submitted, the job cancelled and looked up, its state file record. */
#include "slurm.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"

int pp_slurm_check_partition(const char *value, pp_error *err)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,";
    bool ok = *value && strlen(value) < 64 && *value != '-'
              && strspn(value, allowed) == strlen(value) && *value != ','
              && value[strlen(value) - 1] != ',' && !strstr(value, ",,");
    if (!ok)
        return pp_error_set(err, PP_EINVAL,
                            "--partition: '%s' is not a partition name "
                            "(letters, digits, '-', '_', '.'; several "
                            "separated by commas; under 64 characters)",
                            value);
    return 0;
}

/* Reads a field of 1 to 8 digits; -1 when there is none. */
static long field(const char **p)
{
    size_t len = strspn(*p, "0123456789");
    if (len == 0 || len > 8)
        return -1;
    long v = strtol(*p, NULL, 10);
    *p += len;
    return v;
}

int pp_slurm_check_time(const char *value, pp_error *err)
{
    const char *p = value;
    long f[3];
    int n = 0;
    bool days = false;
    long d = field(&p);
    if (d >= 0 && *p == '-') {
        days = true;
        p++;
    } else {
        p = value;
    }
    while (n < 3) {
        if ((f[n] = field(&p)) < 0)
            break;
        n++;
        if (*p != ':')
            break;
        p++;
    }
    if (n == 0 || *p || p[-1] == ':')
        return pp_error_set(err, PP_EINVAL,
                            "--time: '%s' is not a Slurm time (MM, MM:SS, "
                            "HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)",
                            value);
    /* Which fields are minutes and seconds: MM:SS, HH:MM:SS, D-HH:MM,
     * D-HH:MM:SS; hours after days. */
    bool ok = true;
    for (int i = 1; i < n; i++)
        ok = ok && f[i] < 60;
    if (days)
        ok = ok && f[0] < 24;
    if (!ok)
        return pp_error_set(err, PP_EINVAL,
                            "--time: '%s': minutes and seconds go up to 59, "
                            "and hours after days up to 23",
                            value);
    return 0;
}

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

/* sbatch reads an #SBATCH line's value up to white space, and a quote or
 * a control character would be read as something else. */
static bool sbatch_line_ok(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\''
            || *p == 127)
            return false;
    return true;
}

int pp_slurm_script(const pp_slurm *s, const char *profile,
                    const char *pipar_dir, const char *profile_dir,
                    const char *engine, char *const *eng_args,
                    int neng_args, char *out, size_t size, pp_error *err)
{
    if (!sbatch_line_ok(profile_dir))
        return pp_error_set(err, PP_EINVAL,
                            "--launcher slurm: the profile folder '%s' has "
                            "white space, a quote or a control character, "
                            "which an #SBATCH line cannot carry; set "
                            "PIPAR_DIR to a plainer path",
                            profile_dir);
    out[0] = '\0';
    append(out, size,
           "#!/bin/sh\n"
           "# The engines of pipar profile '%s', written by driver cluster "
           "start --launcher slurm.\n"
           "#SBATCH --job-name=pipar-%s\n"
           "#SBATCH --ntasks=%d\n",
           profile, profile, s->n);
    if (s->partition[0])
        append(out, size, "#SBATCH --partition=%s\n", s->partition);
    if (s->time[0])
        append(out, size, "#SBATCH --time=%s\n", s->time);
    append(out, size, "#SBATCH --output=%s/log/slurm-%%j.log\n",
           profile_dir);
    append(out, size, "export PIPAR_DIR=");
    pp_sh_quote(out, size, pipar_dir);
    append(out, size, "\nexec srun ");
    pp_sh_quote(out, size, engine);
    append(out, size, " --file ");
    char file[PP_PATH_MAX + 32];
    snprintf(file, sizeof file, "%s/security/engine.json", profile_dir);
    pp_sh_quote(out, size, file);
    append(out, size, " --log-level info");
    for (int i = 0; i < neng_args; i++) {
        append(out, size, " ");
        pp_sh_quote(out, size, eng_args[i]);
    }
    append(out, size, "\n");
    if (strlen(out) + 1 >= size)
        return pp_error_set(err, PP_EINVAL,
                            "--launcher slurm: the batch script is longer "
                            "than %zu bytes",
                            size - 1);
    return 0;
}

int pp_slurm_find(pp_error *err)
{
    char path[PP_PATH_MAX];
    if (!pp_which("sbatch", path, sizeof path))
        return pp_error_set(err, PP_ENOENT,
                            "--launcher slurm: no sbatch on PATH (Debian "
                            "package slurm-client)");
    return 0;
}

/* What a Slurm command said, for an error: its stderr's first line, else
 * its stdout's, else its exit status. */
static void said(const char *out, const char *errout, int status, char *why,
                 size_t size)
{
    pp_first_line(errout, why, size);
    if (!why[0])
        pp_first_line(out, why, size);
    if (!why[0]) {
        if (status == -1)
            snprintf(why, size, "no answer in time");
        else
            snprintf(why, size, "exit status %d",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

int pp_slurm_submit(pp_slurm *s, const char *text, pp_error *err)
{
    int rc = pp_file_write_atomic(s->script, text, strlen(text), 0700, err);
    if (rc)
        return rc;
    char *argv[] = { "sbatch", "--parsable", s->script, NULL };
    char out[256], errout[1024];
    int status;
    if ((rc = pp_run(argv, 60, out, sizeof out, errout, sizeof errout,
                     &status, err)))
        return rc;
    /* --parsable: "JOBID" or "JOBID;CLUSTER". */
    size_t len = strspn(out, "0123456789");
    bool ok = status == 0 && len > 0 && len < sizeof s->job
              && (out[len] == '\0' || out[len] == ';' || out[len] == '\n');
    if (!ok) {
        char why[400];
        said(out, errout, status, why, sizeof why);
        return pp_error_set(err, PP_EIO, "sbatch %s: %s", s->script, why);
    }
    snprintf(s->job, sizeof s->job, "%.*s", (int)len, out);
    return 0;
}

int pp_slurm_cancel(const pp_slurm *s, pp_error *err)
{
    char *argv[] = { "scancel", (char *)s->job, NULL };
    char out[256], errout[1024];
    int status, rc = pp_run(argv, 30, out, sizeof out, errout,
                            sizeof errout, &status, err);
    if (rc)
        return rc;
    if (status != 0 || errout[0]) {
        char why[400];
        said(out, errout, status, why, sizeof why);
        return pp_error_set(err, PP_EIO, "scancel %s: %s", s->job, why);
    }
    return 0;
}

int pp_slurm_state(const pp_slurm *s, char *out, size_t size,
                   pp_error *err)
{
    char *argv[] = { "squeue", "--noheader", "--jobs", (char *)s->job,
                     "--format", "%T", NULL };
    char text[256], errout[1024];
    int status, rc = pp_run(argv, 30, text, sizeof text, errout,
                            sizeof errout, &status, err);
    if (rc)
        return rc;
    char state[64];
    pp_first_line(text, state, sizeof state);
    if (status == 0 && state[0]) {
        snprintf(out, size, "%s", state);
        return 0;
    }
    /* squeue forgets a job a while after it ends (MinJobAge), and then
     * calls its id invalid. */
    if (status == 0 || strstr(errout, "Invalid job id")) {
        snprintf(out, size, "not in the queue");
        return 0;
    }
    char why[400];
    said(text, errout, status, why, sizeof why);
    return pp_error_set(err, PP_EIO, "squeue: %s", why);
}

json_t *pp_slurm_to_json(const pp_slurm *s)
{
    return json_pack("{s:s, s:i, s:s, s:s, s:s}", "job", s->job, "n", s->n,
                     "partition", s->partition, "time", s->time, "script",
                     s->script);
}

int pp_slurm_from_json(pp_slurm *s, json_t *j, pp_error *err)
{
    memset(s, 0, sizeof *s);
    const char *job = json_string_value(json_object_get(j, "job"));
    const char *part = json_string_value(json_object_get(j, "partition"));
    const char *time = json_string_value(json_object_get(j, "time"));
    const char *script = json_string_value(json_object_get(j, "script"));
    json_t *n = json_object_get(j, "n");
    if (!job || !*job || strspn(job, "0123456789") != strlen(job)
        || strlen(job) >= sizeof s->job || !part
        || strlen(part) >= sizeof s->partition || !time
        || strlen(time) >= sizeof s->time || !script
        || strlen(script) >= sizeof s->script || !json_is_integer(n))
        return pp_error_set(err, PP_EINVAL, "a bad \"slurm\" object");
    snprintf(s->job, sizeof s->job, "%s", job);
    snprintf(s->partition, sizeof s->partition, "%s", part);
    snprintf(s->time, sizeof s->time, "%s", time);
    snprintf(s->script, sizeof s->script, "%s", script);
    s->n = (int)json_integer_value(n);
    return 0;
}
