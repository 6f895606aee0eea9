/* pairs_report.c - the table, the CSV and the figures of pi-pairs. */
#include "pairs_report.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "pairs.h"

void pp_pairs_summarize(const uint64_t counts[100], uint64_t ndigits,
                        pp_pairs_summary *s)
{
    memset(s, 0, sizeof *s);
    s->ndigits = ndigits;
    memcpy(s->counts, counts, sizeof s->counts);
    for (int k = 0; k < 100; k++) {
        s->npairs += counts[k];
        if (counts[k] > counts[s->most])
            s->most = k;
        if (counts[k] < counts[s->least])
            s->least = k;
    }
    s->chi2 = pp_pairs_chi2(counts, &s->p_value);
}

/* 150000000 -> "150,000,000" */
static void with_commas(char *buf, size_t size, uint64_t v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v), at = 0;
    for (int i = 0; i < n && (size_t)at + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            buf[at++] = ',';
        buf[at++] = digits[i];
    }
    buf[at] = '\0';
}

void pp_pairs_print(FILE *f, const pp_pairs_summary *s)
{
    char n[32], pairs[32];
    with_commas(n, sizeof n, s->ndigits);
    with_commas(pairs, sizeof pairs, s->npairs);
    fprintf(f, "two-digit pairs in the first %s digits of pi "
               "(rows: first digit, columns: second digit)\n",
               n);
    fprintf(f, "     ");
    for (int b = 0; b < 10; b++)
        fprintf(f, " %10d", b);
    fputc('\n', f);
    for (int a = 0; a < 10; a++) {
        fprintf(f, "  %d  ", a);
        for (int b = 0; b < 10; b++)
            fprintf(f, " %10" PRIu64, s->counts[10 * a + b]);
        fputc('\n', f);
    }
    fprintf(f, "most frequent:  %02d (%" PRIu64 ")   least frequent: %02d "
               "(%" PRIu64 ")\n",
            s->most, s->counts[s->most], s->least, s->counts[s->least]);
    if (s->ndigits >= 1 && s->npairs == s->ndigits - 1)
        fprintf(f, "digits: %s, pairs: %s = N-1 (check passed)\n", n,
                pairs);
    else
        fprintf(f, "digits: %s, pairs: %s != N-1 (CHECK FAILED: pairs "
                   "were lost or counted twice)\n",
                n, pairs);
    fprintf(f, "chi-square against uniform: %.2f with 99 degrees of "
               "freedom, p-value %.4f\n",
            s->chi2, s->p_value);
}

int pp_pairs_write_csv(const char *path, const pp_pairs_summary *s,
                       pp_error *err)
{
    char text[100 * 32 + 16];
    int at = snprintf(text, sizeof text, "pair,count\n");
    for (int k = 0; k < 100; k++)
        at += snprintf(text + at, sizeof text - (size_t)at,
                       "%02d,%" PRIu64 "\n", k, s->counts[k]);
    return pp_file_write_atomic(path, text, (size_t)at, 0644, err);
}

static int on_path(const char *program)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[PP_PATH_MAX], dir[PP_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(dir, sizeof dir, "%s/%s", *d ? d : ".", program);
        if (access(dir, X_OK) == 0)
            return 1;
    }
    return 0;
}

/* Runs gnuplot on the script; the script writes tmp_png, renamed here to
 * png once gnuplot succeeded.  The first line gnuplot says on failure is
 * the error. */
static int run_gnuplot(const char *script, const char *tmp_png,
                       const char *png, pp_error *err)
{
    int fds[2];
    if (pipe(fds))
        return pp_error_set(err, PP_EIO, "cannot run gnuplot: %s",
                            strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return pp_error_set(err, PP_EIO, "cannot run gnuplot: %s",
                            strerror(errno));
    }
    if (pid == 0) {
        dup2(fds[1], 2);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        close(fds[0]);
        execlp("gnuplot", "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char out[1024];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fds[0], out + n, sizeof out - 1 - n)) > 0
           || (r < 0 && errno == EINTR))
        if (r > 0)
            n += (size_t)r;
    close(fds[0]);
    out[n] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    struct stat st;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0
        || stat(tmp_png, &st) || st.st_size == 0) {
        unlink(tmp_png);
        char *line = out;
        while (*line == '\n' || *line == ' ')
            line++;
        line[strcspn(line, "\n")] = '\0';
        return pp_error_set(err, PP_EIO, "gnuplot failed on %s: %s", script,
                            *line ? line : "no output");
    }
    if (rename(tmp_png, png)) {
        unlink(tmp_png);
        return pp_error_set(err, PP_EIO, "cannot rename %s: %s", tmp_png,
                            strerror(errno));
    }
    return 0;
}

static int write_script_and_plot(const char *path_gp, const char *path_png,
                                 const char *script, pp_error *err)
{
    int rc = pp_file_write_atomic(path_gp, script, strlen(script), 0644,
                                  err);
    if (rc)
        return rc;
    if (!on_path("gnuplot"))
        return pp_error_set(err, PP_ENOENT,
                            "gnuplot is not installed: the data and the "
                            "script are in %s; install it with: sudo "
                            "apt-get install gnuplot-nox",
                            path_gp);
    char tmp[PP_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp.png", path_png);
    return run_gnuplot(path_gp, tmp, path_png, err);
}

/* Paths in the script are quoted for gnuplot: a quote in a path would
 * end the string early, so such paths are refused. */
static int check_quotable(const char *path, pp_error *err)
{
    if (strpbrk(path, "'\n"))
        return pp_error_set(err, PP_EINVAL,
                            "cannot plot to %s: a quote or newline in the "
                            "path",
                            path);
    return 0;
}

static void data_path(const char *path_gp, char *out, size_t size)
{
    snprintf(out, size, "%s", path_gp);
    size_t n = strlen(out);
    if (n > 3 && strcmp(out + n - 3, ".gp") == 0)
        out[n - 3] = '\0';
    strncat(out, ".dat", size - strlen(out) - 1);
}

int pp_pairs_plot(const char *path_gp, const char *path_png,
                  const pp_pairs_summary *s, pp_error *err)
{
    char dat[PP_PATH_MAX + 8], n[32];
    data_path(path_gp, dat, sizeof dat);
    int rc = check_quotable(dat, err);
    if (!rc)
        rc = check_quotable(path_png, err);
    if (rc)
        return rc;
    /* Columns: first digit, second digit, count, label, pair number. */
    char table[100 * 48 + 64];
    int at = snprintf(table, sizeof table,
                      "# first second count label pair\n");
    for (int k = 0; k < 100; k++)
        at += snprintf(table + at, sizeof table - (size_t)at,
                       "%d %d %" PRIu64 " \"%02d\" %d\n", k / 10, k % 10,
                       s->counts[k], k, k);
    if ((rc = pp_file_write_atomic(dat, table, (size_t)at, 0644, err)))
        return rc;
    with_commas(n, sizeof n, s->ndigits);
    double expected = s->ndigits > 1 ? (double)(s->ndigits - 1) / 100 : 0;
    const char *base = strrchr(dat, '/') ? strrchr(dat, '/') + 1 : dat;
    (void)base;
    char *script = NULL;
    if (asprintf(
        &script,
        "# pi-pairs figure: edit and run 'gnuplot %s' to restyle it.\n"
        "set terminal pngcairo size 1500,650 font 'Sans,10'\n"
        "set output '%s.tmp.png'\n"
        "set multiplot layout 1,2 title 'Two-digit sequences in the first "
        "%s digits of pi' font 'Sans,14'\n"
        "set title 'count of each pair (first digit down, second across)'\n"
        "set xrange [-0.5:9.5]\nset yrange [9.5:-0.5]\n"
        "set xtics 0,1,9 scale 0\nset ytics 0,1,9 scale 0\n"
        "set xlabel 'second digit'\nset ylabel 'first digit'\n"
        "set palette defined (0 '#2c7bb6', 0.5 '#ffffbf', 1 '#d7191c')\n"
        "set colorbox\nset cblabel 'count'\nset size ratio -1\n"
        "plot '%s' using 2:1:3 with image notitle, \\\n"
        "     '' using 2:1:4 with labels font 'Sans,9' notitle\n"
        "set size noratio\nunset colorbox\n"
        "set title 'the 100 counts and the expected (N-1)/100'\n"
        "set xrange [-1:100]\nset autoscale y\nset yrange [*:*]\n"
        "set xtics 0,10,99 scale 1\nset ytics auto\n"
        "set xlabel 'pair (00 to 99)'\nset ylabel 'count'\n"
        "set style fill solid 0.8 noborder\nset boxwidth 0.8\n"
        "plot '%s' using 5:3 with boxes lc rgb '#2c7bb6' title 'count', \\\n"
        "     %.2f with lines lw 2 lc rgb '#d7191c' title 'expected "
        "(N-1)/100'\n"
        "unset multiplot\n",
        path_gp, path_png, n, dat, dat, expected) < 0)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    rc = write_script_and_plot(path_gp, path_png, script, err);
    free(script);
    return rc;
}

int pp_pairs_plot_scaling(const char *path_gp, const char *path_png,
                          uint64_t ndigits, const int *engines,
                          const double *seconds, size_t n, pp_error *err)
{
    char dat[PP_PATH_MAX + 8], digits[32];
    data_path(path_gp, dat, sizeof dat);
    int rc = check_quotable(dat, err);
    if (!rc)
        rc = check_quotable(path_png, err);
    if (rc)
        return rc;
    char table[16 * 64 + 64];
    int at = snprintf(table, sizeof table, "# engines seconds speedup\n");
    for (size_t i = 0; i < n && i < 16; i++)
        at += snprintf(table + at, sizeof table - (size_t)at, "%d %.6f %.4f\n",
                       engines[i], seconds[i],
                       seconds[i] > 0 ? seconds[0] * engines[0] / seconds[i]
                                      : 0);
    if ((rc = pp_file_write_atomic(dat, table, (size_t)at, 0644, err)))
        return rc;
    with_commas(digits, sizeof digits, ndigits);
    char *script = NULL;
    if (asprintf(&script,
             "set terminal pngcairo size 1200,500 font 'Sans,10'\n"
             "set output '%s.tmp.png'\n"
             "set multiplot layout 1,2 title 'pi-pairs on %s digits: "
             "scaling with engines' font 'Sans,13'\n"
             "set xlabel 'engines'\nset grid\nset key top left\n"
             "set title 'count time'\nset ylabel 'seconds'\n"
             "plot '%s' using 1:2 with linespoints lw 2 pt 7 title 'time'\n"
             "set title 'speedup'\nset ylabel 'speedup'\n"
             "plot '%s' using 1:3 with linespoints lw 2 pt 7 title "
             "'measured', x with lines dt 2 title 'ideal'\n"
             "unset multiplot\n",
             path_png, digits, dat, dat) < 0)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    rc = write_script_and_plot(path_gp, path_png, script, err);
    free(script);
    return rc;
}
