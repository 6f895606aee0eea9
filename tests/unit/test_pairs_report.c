/* test_pairs_report.c - what pi-pairs prints and saves: the table with its
 * check line, the CSV byte for byte, and the figures drawn by gnuplot (a
 * real PNG beside its script, no temporary files left), with stand-in
 * gnuplots on PATH for the failures: none at all, one that fails, and one
 * that talks a lot.  Everything is written under a mkdtemp directory that
 * is removed again. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "pairs.h"
#include "pairs_report.h"
#include "unit.h"

static char dir[64];
static char *saved_path;

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pp_pairs_report.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    const char *path = getenv("PATH");
    saved_path = strdup(path ? path : "/usr/bin:/bin");
    return 0;
}

/* Removes dir and what is in it (files, and one level of directories). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char sub[PP_PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

static int remove_dir(void **state)
{
    (void)state;
    remove_tree(dir);
    setenv("PATH", saved_path, 1);
    free(saved_path);
    return 0;
}

static char *in_dir(const char *name)
{
    static char paths[8][PP_PATH_MAX];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, PP_PATH_MAX, "%s/%s", dir, name);
    return p;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static long size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* No file of the directory has ".tmp" in its name. */
static void assert_no_temporary_files(const char *path)
{
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp"))
            fail_msg("a temporary file was left behind: %s/%s", path,
                     e->d_name);
    closedir(d);
}

static void assert_png(const char *path)
{
    static const unsigned char signature[8] = { 0x89, 'P',  'N',  'G',
                                                '\r', '\n', 0x1a, '\n' };
    unsigned char head[8] = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("no PNG at %s", path);
    assert_int_equal(fread(head, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(head, signature, 8);
}

static int have_gnuplot(void)
{
    return system("command -v gnuplot >/dev/null 2>&1") == 0;
}

static char *read_all(const char *path)
{
    char *text = NULL;
    size_t size;
    pp_error err = { 0 };
    if (pp_file_read(path, &text, &size, 1 << 20, &err))
        fail_msg("%s", err.msg);
    return text;
}

/* The counts of the pairs of a real string of digits, summarized. */
static void summary_of(const char *digits, pp_pairs_summary *s)
{
    uint64_t counts[100] = { 0 };
    assert_int_equal(pp_pairs_count(digits, strlen(digits), counts, NULL),
                     0);
    pp_pairs_summarize(counts, strlen(digits), s);
}

/* The first 200 digits of pi. */
static const char pi200[] =
    "31415926535897932384626433832795028841971693993751058209749445923078"
    "16406286208998628034825342117067982148086513282306647093844609550582"
    "2317253594081284811174502841027019385211055596446229489549303819";

/* ---- summary and the printed table ------------------------------------ */

static void the_summary_finds_the_extremes_and_the_total(void **state)
{
    (void)state;
    uint64_t counts[100];
    for (int k = 0; k < 100; k++)
        counts[k] = 1000;
    counts[57] = 1200;
    counts[13] = 900;
    counts[14] = 900; /* as rare as 13: the first of equals is named */
    pp_pairs_summary s;
    pp_pairs_summarize(counts, 100001, &s);
    assert_int_equal(s.most, 57);
    assert_int_equal(s.least, 13);
    assert_i64_equal(s.npairs, 100000);
    assert_i64_equal(s.ndigits, 100001);
    assert_memory_equal(s.counts, counts, sizeof counts);
    assert_true(fabs(s.chi2 - 60) < 1e-9); /* (200^2 + 2 * 100^2) / 1000 */
    assert_true(s.p_value > 0 && s.p_value < 1);
}

static char *printed(const pp_pairs_summary *s)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    assert_non_null(f);
    pp_pairs_print(f, s);
    fclose(f);
    return text;
}

static void the_table_ends_with_a_check_line_that_passes(void **state)
{
    (void)state;
    pp_pairs_summary s;
    summary_of(pi200, &s);
    char *text = printed(&s);
    assert_contains(text, "first 200 digits of pi");
    assert_contains(text, "digits: 200, pairs: 199 = N-1 (check passed)");
    assert_not_contains(text, "FAILED");
    assert_contains(text, "chi-square");
    assert_contains(text, "99 degrees of freedom");
    /* Row 3 begins with the count of "30" and ends with that of "39";
     * the columns are aligned, so every row is as long as the header. */
    char row3[128] = "3  ";
    for (int b = 0; b < 10; b++)
        snprintf(row3 + strlen(row3), sizeof row3 - strlen(row3), " %5llu",
                 (unsigned long long)s.counts[30 + b]);
    assert_contains(text, row3);
    free(text);

    /* The article's size, with commas. */
    uint64_t counts[100];
    for (int k = 0; k < 100; k++)
        counts[k] = 1500000;
    counts[0] -= 1;
    pp_pairs_summarize(counts, 150000000, &s);
    text = printed(&s);
    assert_contains(text, "first 150,000,000 digits of pi");
    assert_contains(text,
                    "pairs: 149,999,999 = N-1 (check passed)");
    assert_contains(text, " 1500000");
    free(text);
}

static void a_lost_pair_fails_the_check_loudly(void **state)
{
    (void)state;
    pp_pairs_summary s;
    summary_of(pi200, &s);
    s.counts[31]--;
    pp_pairs_summarize(s.counts, 200, &s);
    char *text = printed(&s);
    assert_contains(text, "pairs: 198 != N-1 = 199 (CHECK FAILED");
    assert_not_contains(text, "check passed");
    free(text);
}

/* ---- CSV ------------------------------------------------------------- */

static void the_csv_is_exact(void **state)
{
    (void)state;
    uint64_t counts[100];
    for (int k = 0; k < 100; k++)
        counts[k] = (uint64_t)k * k;
    counts[42] = 1500671;
    counts[99] = UINT64_MAX;
    pp_pairs_summary s;
    pp_pairs_summarize(counts, 1000, &s);
    char *path = in_dir("pi-pairs-1000.csv");
    pp_error err = { 0 };
    assert_int_equal(pp_pairs_write_csv(path, &s, &err), 0);
    char *text = read_all(path);
    char want[4096] = "pair,count\n";
    for (int k = 0; k < 100; k++)
        snprintf(want + strlen(want), sizeof want - strlen(want),
                 "%02d,%llu\n", k, (unsigned long long)counts[k]);
    assert_string_equal(text, want);
    assert_true(strncmp(text, "pair,count\n00,0\n01,1\n02,4\n03,9\n", 31)
                == 0);
    assert_contains(text, "\n41,1681\n42,1500671\n43,1849\n");
    assert_contains(text, "\n99,18446744073709551615\n");
    assert_int_equal(text[strlen(text) - 1], '\n');
    free(text);
    assert_no_temporary_files(dir);
}

static void a_csv_that_cannot_be_written_is_an_error(void **state)
{
    (void)state;
    pp_pairs_summary s;
    summary_of(pi200, &s);
    pp_error err = { 0 };
    assert_int_equal(pp_pairs_write_csv(in_dir("no/such/dir.csv"), &s, &err),
                     PP_EIO);
    assert_contains(err.msg, "no/such/dir.csv");
}

/* ---- the figures ------------------------------------------------------ */

static void the_figure_is_a_png_beside_its_script_and_data(void **state)
{
    (void)state;
    if (!have_gnuplot()) {
        print_message("gnuplot is not installed: skipped\n");
        skip();
    }
    char *d = malloc(150001);
    assert_non_null(d);
    memcpy(d, pi200, 200);
    for (size_t i = 200; i < 150000; i++)
        d[i] = (char)('0' + (i * 7919 + i / 13) % 10);
    d[150000] = '\0';
    pp_pairs_summary s;
    summary_of(d, &s);
    free(d);
    char *gp = in_dir("pi-pairs-150000.gp"), *png = in_dir("pi-pairs-150000.png");
    pp_error err = { 0 };
    if (pp_pairs_plot(gp, png, &s, &err))
        fail_msg("%s", err.msg);
    assert_png(png);
    assert_true(size_of(png) > 10000);
    assert_true(size_of(gp) > 0);
    char *dat = in_dir("pi-pairs-150000.dat");
    assert_true(size_of(dat) > 0);
    char *script = read_all(gp);
    assert_contains(script, "Two-digit sequences in the first 150,000 "
                            "digits of pi");
    assert_contains(script, "pi-pairs-150000.dat");
    free(script);
    char *data = read_all(dat);
    char line[64];
    snprintf(line, sizeof line, "\n5 7 %llu 57\n",
             (unsigned long long)s.counts[57]);
    assert_contains(data, line);
    free(data);
    assert_no_temporary_files(dir);

    /* The script finds its data beside itself: run from elsewhere, it
     * draws the PNG again. */
    assert_int_equal(unlink(png), 0);
    char cmd[PP_PATH_MAX];
    snprintf(cmd, sizeof cmd, "cd / && gnuplot '%s' 2>/dev/null", gp);
    assert_int_equal(system(cmd), 0);
    assert_png(png);
}

static void the_scaling_figure_is_a_png_too(void **state)
{
    (void)state;
    if (!have_gnuplot())
        skip();
    int engines[] = { 1, 2, 4 };
    double seconds[] = { 1.2, 0.65, 0.4 };
    char *gp = in_dir("pi-pairs-150000000-scaling.gp");
    char *png = in_dir("pi-pairs-150000000-scaling.png");
    pp_error err = { 0 };
    if (pp_pairs_plot_scaling(gp, png, 150000000, engines, seconds, 3, &err))
        fail_msg("%s", err.msg);
    assert_png(png);
    assert_true(size_of(png) > 5000);
    char *data = read_all(in_dir("pi-pairs-150000000-scaling.dat"));
    assert_contains(data, "\n4 0.400000 3.0000\n");
    free(data);
    char *script = read_all(gp);
    assert_contains(script, "150,000,000 digits");
    free(script);
    assert_no_temporary_files(dir);

    assert_int_equal(pp_pairs_plot_scaling(gp, png, 10, engines, seconds, 0,
                                           &err),
                     PP_EINVAL);
    double zero[] = { 1, 0 };
    assert_int_equal(pp_pairs_plot_scaling(gp, png, 10, engines, zero, 2,
                                           &err),
                     PP_EINVAL);
    assert_contains(err.msg, "timing 2");
}

static void without_gnuplot_the_data_is_written_and_the_hint_given(
    void **state)
{
    (void)state;
    char *empty = in_dir("empty-bin");
    assert_int_equal(mkdir(empty, 0755), 0);
    setenv("PATH", empty, 1);
    pp_pairs_summary s;
    summary_of(pi200, &s);
    char *gp = in_dir("nognuplot.gp"), *png = in_dir("nognuplot.png");
    char *dat = in_dir("nognuplot.dat");
    pp_error err = { 0 };
    int rc = pp_pairs_plot(gp, png, &s, &err);
    setenv("PATH", saved_path, 1);
    assert_int_equal(rc, PP_ENOENT);
    char want[3 * PP_PATH_MAX];
    snprintf(want, sizeof want,
             "gnuplot is not installed: the data is in %s and the script "
             "in %s; install it with: sudo apt-get install gnuplot-nox",
             dat, gp);
    assert_string_equal(err.msg, want);
    assert_true(size_of(gp) > 0);
    assert_true(size_of(dat) > 0);
    assert_false(exists(png));
    assert_no_temporary_files(dir);
}

/* A stand-in gnuplot: a shell script in its own directory, put first on
 * PATH by the caller. */
static char *fake_gnuplot(const char *name, const char *body)
{
    char *bin = in_dir(name);
    mkdir(bin, 0755);
    char path[PP_PATH_MAX], text[2048];
    snprintf(path, sizeof path, "%s/gnuplot", bin);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    pp_error err = { 0 };
    if (pp_file_write_atomic(path, text, strlen(text), 0755, &err))
        fail_msg("%s", err.msg);
    return bin;
}

static int plot_with_path(const char *bin, const char *name,
                          pp_error *err)
{
    char path[2 * PP_PATH_MAX], gp[PP_PATH_MAX], png[PP_PATH_MAX];
    snprintf(path, sizeof path, "%s:%s", bin, saved_path);
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, name);
    snprintf(png, sizeof png, "%s/%s.png", dir, name);
    pp_pairs_summary s;
    summary_of(pi200, &s);
    setenv("PATH", path, 1);
    int rc = pp_pairs_plot(gp, png, &s, err);
    setenv("PATH", saved_path, 1);
    return rc;
}

static void a_gnuplot_that_fails_is_an_error_with_its_reason(void **state)
{
    (void)state;
    char *bin = fake_gnuplot(
        "failing-bin",
        "printf '\\n\\n plot x wiht lines\\n ^\\n' >&2\n"
        "echo '\"f.gp\" line 3: warning: nothing to worry about' >&2\n"
        "echo '\"f.gp\" line 3: unexpected or unrecognized token: wiht' "
        ">&2\n"
        "echo 'more noise' >&2\n"
        "exit 1");
    pp_error err = { 0 };
    assert_int_equal(plot_with_path(bin, "failing", &err), PP_EIO);
    assert_contains(err.msg, "gnuplot failed on ");
    assert_contains(err.msg, "failing.gp: \"f.gp\" line 3: unexpected or "
                             "unrecognized token: wiht");
    assert_false(exists(in_dir("failing.png")));
    assert_true(exists(in_dir("failing.gp")));
    assert_no_temporary_files(dir);

    /* Exit 0 without a figure is a failure too. */
    bin = fake_gnuplot("silent-bin", "exit 0");
    assert_int_equal(plot_with_path(bin, "silent", &err), PP_EIO);
    assert_contains(err.msg, "no figure");
    assert_false(exists(in_dir("silent.png")));
    assert_no_temporary_files(dir);
}

static void a_gnuplot_that_says_a_lot_is_read_to_the_end(void **state)
{
    (void)state;
    /* 1 MB on stderr, far beyond a pipe's buffer, and then the figure: a
     * reader that stopped early would leave it blocked, or killed by
     * SIGPIPE. */
    char *bin = fake_gnuplot(
        "talking-bin",
        "i=0; while [ $i -lt 16384 ]; do\n"
        "  echo 'warning: a font is missing, using another one instead of "
        "it' >&2; i=$((i+1)); done\n"
        "out=${2#output=\\'}; out=${out%\\'}\n"
        "printf '\\211PNG\\r\\n\\032\\n-not-a-real-image' >\"$out\"");
    pp_error err = { 0 };
    if (plot_with_path(bin, "talking", &err))
        fail_msg("%s", err.msg);
    assert_png(in_dir("talking.png"));
    assert_no_temporary_files(dir);
}

static void a_path_with_a_quote_is_refused(void **state)
{
    (void)state;
    pp_pairs_summary s;
    summary_of(pi200, &s);
    pp_error err = { 0 };
    assert_int_equal(pp_pairs_plot(in_dir("it's.gp"), in_dir("x.png"), &s,
                                   &err),
                     PP_EINVAL);
    assert_contains(err.msg, "quote");
    assert_int_equal(pp_pairs_plot(in_dir("y.gp"), in_dir("it's.png"), &s,
                                   &err),
                     PP_EINVAL);
    assert_false(exists(in_dir("y.gp")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_summary_finds_the_extremes_and_the_total),
        cmocka_unit_test(the_table_ends_with_a_check_line_that_passes),
        cmocka_unit_test(a_lost_pair_fails_the_check_loudly),
        cmocka_unit_test(the_csv_is_exact),
        cmocka_unit_test(a_csv_that_cannot_be_written_is_an_error),
        cmocka_unit_test(the_figure_is_a_png_beside_its_script_and_data),
        cmocka_unit_test(the_scaling_figure_is_a_png_too),
        cmocka_unit_test(
            without_gnuplot_the_data_is_written_and_the_hint_given),
        cmocka_unit_test(a_gnuplot_that_fails_is_an_error_with_its_reason),
        cmocka_unit_test(a_gnuplot_that_says_a_lot_is_read_to_the_end),
        cmocka_unit_test(a_path_with_a_quote_is_refused),
    };
    return cmocka_run_group_tests_name("pairs_report", tests, make_dir,
                                       remove_dir);
}
