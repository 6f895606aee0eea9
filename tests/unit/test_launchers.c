/* test_launchers.c - the MPI and Slurm launchers without running either:
 * --mpi-args split into words, mpiexec's command line, the batch script
 * exactly, Slurm's partition and time forms, and their state records. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "mpi.h"
#include "proc.h"
#include "slurm.h"

static void words_split_as_sh_would_without_one(void **state)
{
    (void)state;
    char *w[8];
    int n = 0;
    pp_error err = { 0 };
    assert_int_equal(pp_split_words("--x",
                                     " --mca btl 'self,tcp'\t-x \"A=b c\" "
                                     "p\\ q '$(rm x)' \"\\\"\\\\\"",
                                     w, 8, &n, &err),
                     0);
    const char *want[] = { "--mca", "btl", "self,tcp", "-x", "A=b c",
                           "p q", "$(rm x)", "\"\\" };
    assert_int_equal(n, 8);
    for (int i = 0; i < n; i++) {
        assert_string_equal(w[i], want[i]);
        free(w[i]);
    }
    n = 0;
    assert_int_equal(pp_split_words("--x", "a'b'\"c\"", w, 8, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(w[0], "abc");
    free(w[0]);

    n = 0;
    assert_int_equal(pp_split_words("--mpi-args", "a 'b", w, 8, &n, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--mpi-args: an unterminated ' quote");
    free(w[0]); /* "a" was kept before the error */
    n = 0;
    assert_int_equal(pp_split_words("--mpi-args", "\"b", w, 8, &n, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--mpi-args: an unterminated \" quote");
    assert_int_equal(pp_split_words("--mpi-args", " \t", w, 8, &n, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--mpi-args: empty");
    n = 0;
    assert_int_equal(pp_split_words("--mpi-args", "1 2 3", w, 2, &n, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--mpi-args: more than 2 words");
    for (int i = 0; i < n; i++)
        free(w[i]);
}

static void the_engine_count_stays_the_launchers(void **state)
{
    (void)state;
    pp_mpi m = { .n = 2 };
    pp_error err = { 0 };
    assert_int_equal(pp_mpi_add_args(&m, "--tag-output -np 4", &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--mpi-args: '-np': the number of engines "
                                 "is the launcher's -n");
    pp_mpi_free(&m);
    assert_int_equal(pp_mpi_add_args(&m, "--np=4", &err), PP_EINVAL);
    pp_mpi_free(&m);
}

static char *joined(char **argv)
{
    static char out[2048];
    out[0] = '\0';
    for (int i = 0; argv[i]; i++)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s[%s]",
                 i ? " " : "", argv[i]);
    return out;
}

static void mpiexecs_command_line(void **state)
{
    (void)state;
    pp_mpi m = { .n = 4 };
    pp_error err = { 0 };
    snprintf(m.engine_json, sizeof m.engine_json, "/p/profile_x/engine.json");
    char *argv[PP_MPI_MAX_ARGV];
    char *eng_args[] = { "--no-restart" };
    /* Root, no hosts named: both allowances. */
    assert_int_equal(pp_mpi_argv(&m, "/usr/bin/mpiexec", "/b/engine",
                                 eng_args, 1, true, argv),
                     14);
    assert_string_equal(joined(argv),
                        "[/usr/bin/mpiexec] [--allow-run-as-root] "
                        "[--oversubscribe] [--enable-recovery] [-x] "
                        "[PIPAR_DIR] [-n] [4] [/b/engine] [--file] "
                        "[/p/profile_x/engine.json] [--log-level] [info] "
                        "[--no-restart]");
    /* Not root; the words go before the engine. */
    assert_int_equal(pp_mpi_add_args(&m, "--mca btl 'self,tcp'", &err), 0);
    pp_mpi_argv(&m, "mpiexec", "/b/engine", NULL, 0, false, argv);
    assert_string_equal(joined(argv),
                        "[mpiexec] [--oversubscribe] [--enable-recovery] "
                        "[-x] [PIPAR_DIR] "
                        "[-n] [4] [--mca] [btl] [self,tcp] [/b/engine] "
                        "[--file] [/p/profile_x/engine.json] [--log-level] "
                        "[info]");
    /* Hosts named: their slots are the user's to give. */
    assert_int_equal(pp_mpi_add_args(&m, "--host=pi1:2,pi2:2", &err), 0);
    pp_mpi_argv(&m, "mpiexec", "/b/engine", NULL, 0, false, argv);
    assert_null(strstr(joined(argv), "--oversubscribe"));
    pp_mpi_free(&m);
    m.n = 4;
    assert_int_equal(pp_mpi_add_args(&m, "--hostfile h", &err), 0);
    pp_mpi_argv(&m, "mpiexec", "/b/engine", NULL, 0, false, argv);
    assert_null(strstr(joined(argv), "--oversubscribe"));
    pp_mpi_free(&m);
    m.n = 4;
    assert_int_equal(pp_mpi_add_args(&m, "--hostname-is-not-a-host-opt", &err),
                     0);
    pp_mpi_argv(&m, "mpiexec", "/b/engine", NULL, 0, false, argv);
    assert_non_null(strstr(joined(argv), "--oversubscribe"));
    pp_mpi_free(&m);
}

static void the_mpi_record_comes_back(void **state)
{
    (void)state;
    pp_mpi m = { .n = 3, .pid = 4242 };
    pp_error err = { 0 };
    snprintf(m.engine_json, sizeof m.engine_json, "/d/e.json");
    snprintf(m.log, sizeof m.log, "/d/log/mpiexec.log");
    assert_int_equal(pp_mpi_add_args(&m, "-x 'A=1 2'", &err), 0);
    json_t *j = pp_mpi_to_json(&m);
    pp_mpi back;
    assert_int_equal(pp_mpi_from_json(&back, j, &err), 0);
    assert_int_equal(back.pid, 4242);
    assert_int_equal(back.n, 3);
    assert_string_equal(back.engine_json, "/d/e.json");
    assert_string_equal(back.log, "/d/log/mpiexec.log");
    assert_int_equal(back.nwords, 2);
    assert_string_equal(back.words[1], "A=1 2");
    json_object_set_new(j, "pid", json_string("4242"));
    pp_mpi_free(&back);
    assert_int_equal(pp_mpi_from_json(&back, j, &err), PP_EINVAL);
    assert_string_equal(err.msg, "a bad \"mpi\" object");
    json_decref(j);
    pp_mpi_free(&m);
}

static void the_batch_script_exactly(void **state)
{
    (void)state;
    pp_slurm s = { .n = 3 };
    snprintf(s.partition, sizeof s.partition, "debug");
    snprintf(s.time, sizeof s.time, "1-02:30");
    char out[4096];
    pp_error err = { 0 };
    char *eng_args[] = { "--no-restart" };
    assert_int_equal(pp_slurm_script(&s, "pis", "/home/u/it's", 
                                     "/home/u/it's/profile_pis",
                                     "/opt/pipar/engine", eng_args, 1, out,
                                     sizeof out, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg,
                        "--launcher slurm: the profile folder "
                        "'/home/u/it's/profile_pis' has white space, a "
                        "quote or a control character, which an #SBATCH "
                        "line cannot carry; set PIPAR_DIR to a plainer "
                        "path");
    assert_int_equal(pp_slurm_script(&s, "pis", "/srv/pipar",
                                     "/srv/pipar/profile_pis",
                                     "/opt/pi par/engine", eng_args, 1, out,
                                     sizeof out, &err),
                     0);
    assert_string_equal(out,
                        "#!/bin/sh\n"
                        "# The engines of pipar profile 'pis', written by "
                        "driver cluster start --launcher slurm.\n"
                        "#SBATCH --job-name=pipar-pis\n"
                        "#SBATCH --ntasks=3\n"
                        "#SBATCH --partition=debug\n"
                        "#SBATCH --time=1-02:30\n"
                        "#SBATCH --output=/srv/pipar/profile_pis/log/"
                        "slurm-%j.log\n"
                        "export PIPAR_DIR='/srv/pipar'\n"
                        "exec srun '/opt/pi par/engine' --file "
                        "'/srv/pipar/profile_pis/security/engine.json' "
                        "--log-level info '--no-restart'\n");
    /* No partition or time: the cluster's defaults. */
    s.partition[0] = s.time[0] = '\0';
    s.n = 1;
    assert_int_equal(pp_slurm_script(&s, "default", "/p", "/p/profile_default",
                                     "/e'x/engine", NULL, 0, out, sizeof out,
                                     &err),
                     0);
    assert_string_equal(out,
                        "#!/bin/sh\n"
                        "# The engines of pipar profile 'default', written by "
                        "driver cluster start --launcher slurm.\n"
                        "#SBATCH --job-name=pipar-default\n"
                        "#SBATCH --ntasks=1\n"
                        "#SBATCH --output=/p/profile_default/log/"
                        "slurm-%j.log\n"
                        "export PIPAR_DIR='/p'\n"
                        "exec srun '/e'\\''x/engine' --file "
                        "'/p/profile_default/security/engine.json' "
                        "--log-level info\n");
    assert_int_equal(pp_slurm_script(&s, "default", "/p", "/p/profile_default",
                                     "/e/engine", NULL, 0, out, 64, &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "--launcher slurm: the batch script is "
                                 "longer than 63 bytes");
}

static void slurm_times_in_its_six_forms(void **state)
{
    (void)state;
    pp_error err = { 0 };
    const char *good[] = { "30",       "0",        "90:30",   "1:00:00",
                           "100:59:59", "2-12",    "2-12:30", "2-0:0:0",
                           "14-23:59:59" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (pp_slurm_check_time(good[i], &err))
            fail_msg("%s: %s", good[i], err.msg);
    }
    const char *bad[] = { "",     "x",      "1:",     ":1",    "1::2",
                          "1-",   "-1",     "1:2:3:4", "1-2:3:4:5",
                          "1h",   " 10",    "1:2:3:", "123456789",
                          "1-2-3", "UNLIMITED" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(pp_slurm_check_time(bad[i], &err), PP_EINVAL);
        char want[200];
        snprintf(want, sizeof want,
                 "--time: '%s' is not a Slurm time (MM, MM:SS, HH:MM:SS, "
                 "D-HH, D-HH:MM or D-HH:MM:SS)",
                 bad[i]);
        assert_string_equal(err.msg, want);
    }
    const char *range[] = { "10:60", "1:60:00", "1:00:60", "1-24", "1-2:60" };
    for (size_t i = 0; i < sizeof range / sizeof *range; i++) {
        assert_int_equal(pp_slurm_check_time(range[i], &err), PP_EINVAL);
        char want[200];
        snprintf(want, sizeof want,
                 "--time: '%s': minutes and seconds go up to 59, and hours "
                 "after days up to 23",
                 range[i]);
        assert_string_equal(err.msg, want);
    }
}

static void slurm_partition_names(void **state)
{
    (void)state;
    pp_error err = { 0 };
    assert_int_equal(pp_slurm_check_partition("debug", &err), 0);
    assert_int_equal(pp_slurm_check_partition("gpu_a100.long,cpu-2", &err),
                     0);
    const char *bad[] = { "", "-p", "a b", "a;b", "a,", ",a", "a,,b", "p$x",
                          "0123456789012345678901234567890123456789"
                          "012345678901234567890123" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(pp_slurm_check_partition(bad[i], &err), PP_EINVAL);
        char want[300];
        snprintf(want, sizeof want,
                 "--partition: '%s' is not a partition name (letters, "
                 "digits, '-', '_', '.'; several separated by commas; under "
                 "64 characters)",
                 bad[i]);
        assert_string_equal(err.msg, want);
    }
}

static void the_slurm_record_comes_back(void **state)
{
    (void)state;
    pp_slurm s = { .n = 5 };
    snprintf(s.job, sizeof s.job, "1234");
    snprintf(s.time, sizeof s.time, "10:00");
    snprintf(s.script, sizeof s.script, "/p/engines.sbatch");
    json_t *j = pp_slurm_to_json(&s);
    pp_slurm back;
    pp_error err = { 0 };
    assert_int_equal(pp_slurm_from_json(&back, j, &err), 0);
    assert_memory_equal(&back, &s, sizeof s);
    /* A job id is digits: it goes to scancel. */
    json_object_set_new(j, "job", json_string("-u root"));
    assert_int_equal(pp_slurm_from_json(&back, j, &err), PP_EINVAL);
    assert_string_equal(err.msg, "a bad \"slurm\" object");
    json_decref(j);
}

static void first_lines_skip_rules_and_blanks(void **state)
{
    (void)state;
    char line[64];
    pp_first_line("\n  \n-----\n  mpiexec: Error: x  \nmore\n", line,
                  sizeof line);
    assert_string_equal(line, "mpiexec: Error: x");
    pp_first_line("", line, sizeof line);
    assert_string_equal(line, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_split_as_sh_would_without_one),
        cmocka_unit_test(the_engine_count_stays_the_launchers),
        cmocka_unit_test(mpiexecs_command_line),
        cmocka_unit_test(the_mpi_record_comes_back),
        cmocka_unit_test(the_batch_script_exactly),
        cmocka_unit_test(slurm_times_in_its_six_forms),
        cmocka_unit_test(slurm_partition_names),
        cmocka_unit_test(the_slurm_record_comes_back),
        cmocka_unit_test(first_lines_skip_rules_and_blanks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
