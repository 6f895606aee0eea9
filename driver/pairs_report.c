/* pairs_report.c - the table, the CSV and the figures of pi-pairs. */
#include "pairs_report.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "pairs.h"

extern char **environ;

void pp_pairs_summarize(const uint64_t counts[100], uint64_t ndigits,
                        pp_pairs_summary *s)
{
    uint64_t c[100]; /* counts may be s->counts */
    memcpy(c, counts, sizeof c);
    memset(s, 0, sizeof *s);
    s->ndigits = ndigits;
    memcpy(s->counts, c, sizeof s->counts);
    for (int k = 0; k < 100; k++) {
        s->npairs += c[k];
        if (c[k] > c[s->most])
            s->most = k;
        if (c[k] < c[s->least])
            s->least = k;
    }
    s->chi2 = pp_pairs_chi2(c, &s->p_value);
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

static uint64_t expected_pairs(uint64_t ndigits)
{
    return ndigits < 2 ? 0 : ndigits - 1;
}

/* How far a count is from the uniform expectation, in percent. */
static double departure(const pp_pairs_summary *s, int pair)
{
    double expected = (double)s->npairs / 100;
    return expected > 0 ? 100 * ((double)s->counts[pair] - expected) / expected
                        : 0;
}

void pp_pairs_print(FILE *f, const pp_pairs_summary *s)
{
    char n[32], pairs[32], want[32];
    with_commas(n, sizeof n, s->ndigits);
    with_commas(pairs, sizeof pairs, s->npairs);
    with_commas(want, sizeof want, expected_pairs(s->ndigits));
    uint64_t max = 0;
    for (int k = 0; k < 100; k++)
        if (s->counts[k] > max)
            max = s->counts[k];
    int width = snprintf(NULL, 0, "%" PRIu64, max);
    if (width < 5)
        width = 5;
    fprintf(f, "Two-digit sequences in the first %s digits of pi\n", n);
    fprintf(f, "(rows: first digit, columns: second digit)\n\n   ");
    for (int b = 0; b < 10; b++)
        fprintf(f, " %*d", width, b);
    fputc('\n', f);
    for (int a = 0; a < 10; a++) {
        fprintf(f, "%d  ", a);
        for (int b = 0; b < 10; b++)
            fprintf(f, " %*" PRIu64, width, s->counts[10 * a + b]);
        fputc('\n', f);
    }
    fputc('\n', f);
    fprintf(f, "most frequent:  %02d, %" PRIu64 " times (%+.3f%% of the "
               "expected)\n",
            s->most, s->counts[s->most], departure(s, s->most));
    fprintf(f, "least frequent: %02d, %" PRIu64 " times (%+.3f%% of the "
               "expected)\n",
            s->least, s->counts[s->least], departure(s, s->least));
    if (s->npairs == expected_pairs(s->ndigits))
        fprintf(f, "digits: %s, pairs: %s = N-1 (check passed)\n", n, pairs);
    else
        fprintf(f, "digits: %s, pairs: %s != N-1 = %s (CHECK FAILED: pairs "
                   "were lost or counted twice)\n",
                n, pairs, want);
    fprintf(f, "chi-square against uniform: %.2f with 99 degrees of "
               "freedom, p-value %.4g\n",
            s->chi2, s->p_value);
}

int pp_pairs_write_csv(const char *path, const pp_pairs_summary *s,
                       pp_error *err)
{
    char text[16 + 100 * 24];
    size_t at = (size_t)snprintf(text, sizeof text, "pair,count\n");
    for (int k = 0; k < 100; k++)
        at += (size_t)snprintf(text + at, sizeof text - at,
                               "%02d,%" PRIu64 "\n", k, s->counts[k]);
    return pp_file_write_atomic(path, text, at, 0644, err);
}

/* ---- gnuplot -------------------------------------------------------- */

/* A growing string for the scripts and data; on no memory it stays
 * failed and the caller reports it once. */
typedef struct text {
    char *s;
    size_t n, cap;
    int failed;
} text;

__attribute__((format(printf, 2, 3))) static void add(text *t,
                                                      const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int len = vsnprintf(t->s ? t->s + t->n : NULL,
                            t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (len < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && (size_t)len < t->cap - t->n) {
            t->n += (size_t)len;
            return;
        }
        size_t cap = (t->cap ? t->cap : 4096) * 2 + (size_t)len;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

/* The last component of a path, and whether two paths name files in the
 * same directory. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int same_dir(const char *a, const char *b)
{
    size_t la = (size_t)(base_name(a) - a), lb = (size_t)(base_name(b) - b);
    return la == lb && memcmp(a, b, la) == 0;
}

/* Paths go into the script between single quotes, where gnuplot knows no
 * escape: a quote or a line break in one is refused. */
static int check_quotable(const char *path, pp_error *err)
{
    if (strpbrk(path, "'\n\r"))
        return pp_error_set(err, PP_EINVAL,
                            "cannot name %s in a gnuplot script: it has a "
                            "quote or a line break",
                            path);
    return 0;
}

/* path_gp less ".gp", plus ".dat"; caller frees. */
static char *data_path(const char *path_gp)
{
    size_t n = strlen(path_gp);
    if (n > 3 && strcmp(path_gp + n - 3, ".gp") == 0)
        n -= 3;
    char *dat = malloc(n + 5);
    if (dat) {
        memcpy(dat, path_gp, n);
        memcpy(dat + n, ".dat", 5);
    }
    return dat;
}

/* The start of every script: where it is (ARG0, when gnuplot runs it as a
 * file), the data beside it, the PNG (beside it too, unless the caller put
 * it elsewhere; `output` set on the command line wins) and the terminal. */
static void script_head(text *t, const char *what, const char *path_gp,
                        const char *dat, const char *path_png, int width,
                        int height)
{
    add(t,
        "# %s\n"
        "# Drawn by pipar; redraw (after editing, say) with:\n"
        "#   gnuplot %s\n"
        "# The data is %s, beside this script.\n\n"
        "here = ''\n"
        "if (exists('ARG0')) {\n"
        "    i = strlen(ARG0)\n"
        "    while (i > 0 && ARG0[i:i] ne '/') { i = i - 1 }\n"
        "    if (i > 0) { here = ARG0[1:i] }\n"
        "}\n"
        "data = here . '%s'\n",
        what, path_gp, base_name(dat), base_name(dat));
    if (same_dir(path_gp, path_png))
        add(t, "if (!exists('output')) { output = here . '%s' }\n",
            base_name(path_png));
    else
        add(t, "if (!exists('output')) { output = '%s' }\n", path_png);
    add(t,
        "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
        "    set terminal pngcairo size %d,%d font 'Sans,10'\n"
        "} else {\n"
        "    set terminal png size %d,%d\n"
        "}\n"
        "set output output\n\n",
        width, height, width, height);
}

/* The line of gnuplot's complaint that says what went wrong: the first
 * '"script" line N: ...' that is no warning, else the first line said. */
static const char *gnuplot_reason(char *out)
{
    char *first = NULL;
    for (char *line = out; *line;) {
        char *end = line + strcspn(line, "\n");
        int last = *end == '\0';
        *end = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p && !first)
            first = p;
        char *at = strstr(p, " line ");
        if (at && isdigit((unsigned char)at[6]) && !strstr(p, "warning:"))
            return p;
        if (last)
            break;
        line = end + 1;
    }
    return first ? first : "it said nothing";
}

/* Runs `gnuplot -e "output='tmp'" path_gp` with stderr kept; 0, or
 * PP_ENOENT when there is no gnuplot to run, or PP_EIO. */
static int run_gnuplot(const char *path_gp, const char *tmp, pp_error *err)
{
    char *set_output = NULL;
    if (asprintf(&set_output, "output='%s'", tmp) < 0)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int fds[2];
    if (pipe2(fds, O_CLOEXEC)) {
        free(set_output);
        return pp_error_set(err, PP_EIO, "cannot run gnuplot: %s",
                            strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    char *argv[] = { "gnuplot", "-e", set_output, (char *)path_gp, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(set_output);
    close(fds[1]);
    if (rc) {
        close(fds[0]);
        return pp_error_set(err, rc == ENOENT ? PP_ENOENT : PP_EIO,
                            "cannot run gnuplot: %s", strerror(rc));
    }
    /* Read to the end, keeping the start: gnuplot must never block on a
     * full pipe, however much it says. */
    char said[4096], rest[4096];
    size_t n = 0;
    for (;;) {
        char *to = n < sizeof said - 1 ? said + n : rest;
        size_t room = n < sizeof said - 1 ? sizeof said - 1 - n : sizeof rest;
        ssize_t r = read(fds[0], to, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (to == said + n)
            n += (size_t)r;
    }
    said[n] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            status = 0;
            break;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return pp_error_set(err, PP_ENOENT, "cannot run gnuplot");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return pp_error_set(err, PP_EIO, "gnuplot failed on %s: %s", path_gp,
                            WIFSIGNALED(status) ? strsignal(WTERMSIG(status))
                                                : gnuplot_reason(said));
    return 0;
}

/* Writes the data and the script, then has gnuplot draw path_png through
 * a temporary file beside it. */
static int draw(const char *path_gp, const char *dat, const text *data,
                const text *script, const char *path_png, pp_error *err)
{
    if (data->failed || script->failed)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = pp_file_write_atomic(dat, data->s, data->n, 0644, err);
    if (!rc)
        rc = pp_file_write_atomic(path_gp, script->s, script->n, 0644, err);
    if (rc)
        return rc;
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp.XXXXXX", path_png) < 0)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = pp_error_set(err, PP_EIO, "cannot write %s: %s", tmp,
                          strerror(errno));
        free(tmp);
        return rc;
    }
    close(fd);
    rc = run_gnuplot(path_gp, tmp, err);
    if (rc == PP_ENOENT)
        rc = pp_error_set(err, PP_ENOENT,
                          "gnuplot is not installed: the data is in %s and "
                          "the script in %s; install it with: sudo apt-get "
                          "install gnuplot-nox",
                          dat, path_gp);
    struct stat st;
    if (!rc && (stat(tmp, &st) || st.st_size == 0))
        rc = pp_error_set(err, PP_EIO, "gnuplot wrote no figure to %s", tmp);
    /* As durable as the files beside it before it takes the name. */
    if (!rc && ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0
                || fchmod(fd, 0644) || fsync(fd) || close(fd)))
        rc = pp_error_set(err, PP_EIO, "cannot write %s: %s", tmp,
                          strerror(errno));
    if (!rc && rename(tmp, path_png))
        rc = pp_error_set(err, PP_EIO, "cannot rename %s to %s: %s", tmp,
                          path_png, strerror(errno));
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

static int check_paths(const char *path_gp, const char *dat,
                       const char *path_png, pp_error *err)
{
    if (!dat)
        return pp_error_set(err, PP_ENOMEM, "out of memory");
    int rc = check_quotable(path_gp, err);
    if (!rc)
        rc = check_quotable(dat, err);
    if (!rc)
        rc = check_quotable(path_png, err);
    return rc;
}

int pp_pairs_plot(const char *path_gp, const char *path_png,
                  const pp_pairs_summary *s, pp_error *err)
{
    char *dat = data_path(path_gp);
    int rc = check_paths(path_gp, dat, path_png, err);
    if (rc) {
        free(dat);
        return rc;
    }
    text data = { 0 }, script = { 0 };
    add(&data, "# first second count pair\n");
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int k = 0; k < 100; k++) {
        add(&data, "%d %d %" PRIu64 " %d\n", k / 10, k % 10, s->counts[k],
            k);
        lo = s->counts[k] < lo ? s->counts[k] : lo;
        hi = s->counts[k] > hi ? s->counts[k] : hi;
    }
    char n[32];
    with_commas(n, sizeof n, s->ndigits);
    double expected = (double)expected_pairs(s->ndigits) / 100;
    /* The counts differ by a fraction of a percent: bars from 0 would all
     * look alike, so the bar chart's axis spans the counts and the
     * expected line with a margin, and says it does not start at 0. */
    double bottom = fmin((double)lo, expected), top = fmax((double)hi, expected);
    double margin = fmax((top - bottom) * 0.15, fmax(1, top * 1e-4));
    bottom = fmax(0, bottom - margin);
    top += margin;
    char what[128];
    snprintf(what, sizeof what,
             "Two-digit sequences in the first %s digits of pi", n);
    script_head(&script, what, path_gp, dat, path_png, 1600, 720);
    add(&script,
        "set multiplot layout 1,2 title '%s' font ',15'\n\n"
        "# The heat map: rows are the first digit (0 at the top, as in the\n"
        "# table the driver prints), columns the second.\n"
        "set title 'count of each pair'\n"
        "set size ratio -1\n"
        "set xrange [-0.5:9.5]\n"
        "set yrange [9.5:-0.5]\n"
        "set xtics 0,1,9 scale 0\n"
        "set ytics 0,1,9 scale 0\n"
        "set xlabel 'second digit'\n"
        "set ylabel 'first digit'\n"
        "set format cb '%%.0f'\n"
        "set palette defined (0 '#313695', 0.25 '#74add1', 0.5 '#ffffbf', "
        "0.75 '#f46d43', 1 '#a50026')\n"
        "plot data using 2:1:3 with image notitle, \\\n"
        "     data using 2:1:(sprintf('%%02d', $4)) with labels "
        "offset 0,0.6 font ',11' notitle, \\\n"
        "     data using 2:1:(sprintf('%%.0f', $3)) with labels "
        "offset 0,-0.6 font ',7' notitle\n\n"
        "# The bar chart, with the expected count as a line.\n"
        "unset colorbox\n"
        "set size noratio\n"
        "set title 'the 100 counts; the line is the expected (N-1)/100 = "
        "%.2f'\n"
        "set xrange [-1:100]\n"
        "set yrange [%.0f:%.0f]\n"
        "set xtics 0,10,90 format '%%02.0f' scale 1\n"
        "set ytics auto format '%%.0f'\n"
        "set grid ytics\n"
        "set xlabel 'pair'\n"
        "set ylabel 'count (the axis does not start at 0)'\n"
        "set style fill solid 0.85 noborder\n"
        "set boxwidth 0.75\n"
        "set key outside top center horizontal\n"
        "plot data using 4:3 with boxes lc rgb '#4575b4' title 'count', \\\n"
        "     %.2f with lines lw 2 dt 2 lc rgb '#d73027' "
        "title 'expected'\n"
        "unset multiplot\n",
        what, expected, bottom, top, expected);
    rc = draw(path_gp, dat, &data, &script, path_png, err);
    free(data.s);
    free(script.s);
    free(dat);
    return rc;
}

int pp_pairs_plot_scaling(const char *path_gp, const char *path_png,
                          uint64_t ndigits, const int *engines,
                          const double *seconds, size_t n, pp_error *err)
{
    if (n == 0)
        return pp_error_set(err, PP_EINVAL, "no timings to plot");
    for (size_t i = 0; i < n; i++)
        if (engines[i] < 1 || !(seconds[i] > 0) || isinf(seconds[i]))
            return pp_error_set(err, PP_EINVAL,
                                "timing %zu: %d engines in %g s cannot be "
                                "plotted",
                                i + 1, engines[i], seconds[i]);
    char *dat = data_path(path_gp);
    int rc = check_paths(path_gp, dat, path_png, err);
    if (rc) {
        free(dat);
        return rc;
    }
    text data = { 0 }, script = { 0 };
    add(&data, "# engines seconds speedup\n");
    int most = 1;
    double slowest = 0;
    for (size_t i = 0; i < n; i++) {
        add(&data, "%d %.6f %.4f\n", engines[i], seconds[i],
            seconds[0] * engines[0] / seconds[i]);
        most = engines[i] > most ? engines[i] : most;
        slowest = seconds[i] > slowest ? seconds[i] : slowest;
    }
    char digits[32], what[128];
    with_commas(digits, sizeof digits, ndigits);
    snprintf(what, sizeof what,
             "pi-pairs on the first %s digits of pi: scaling with engines",
             digits);
    script_head(&script, what, path_gp, dat, path_png, 1300, 540);
    add(&script,
        "set multiplot layout 1,2 title '%s' font ',14'\n"
        "set xlabel 'engines'\n"
        "set xrange [0:%d]\n"
        "set xtics 1\n"
        "set grid\n"
        "set key top right\n"
        "set title 'time to count'\n"
        "set ylabel 'seconds'\n"
        "set yrange [0:%g]\n"
        "plot data using 1:2 with linespoints lw 2 pt 7 title 'measured'\n"
        "set title 'speedup'\n"
        "set ylabel 'speedup'\n"
        "set yrange [0:%d]\n"
        "set key top left\n"
        "plot data using 1:3 with linespoints lw 2 pt 7 title 'measured', "
        "x with lines dt 2 title 'ideal'\n"
        "unset multiplot\n",
        what, most + 1, slowest * 1.2, most + 1);
    rc = draw(path_gp, dat, &data, &script, path_png, err);
    free(data.s);
    free(script.s);
    free(dat);
    return rc;
}
