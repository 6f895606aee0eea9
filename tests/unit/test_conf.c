/* test_conf.c - configuration files (core/conf.c) with the three
 * programs' real tables: every key parses its default and its example,
 * the template parses, bad keys and values are refused with the file, the
 * line and the key, and the command line wins over the environment, the
 * environment over the file, the file over the default. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "conf.h"
#include "ctl_options.h"
#include "drv_options.h"
#include "eng_options.h"
#include "unit.h"

/* The options of any of the three programs, at their defaults. */
typedef union any_opts {
    ctl_opts ctl;
    eng_opts eng;
    cli_opts drv;
} any_opts;

static void init_opts(const pp_conf_table *t, any_opts *o)
{
    memset(o, 0, sizeof *o);
    if (t == &ctl_conf_table)
        ctl_opts_init(&o->ctl);
    else if (t == &eng_conf_table)
        eng_opts_init(&o->eng);
    else
        o->drv = (cli_opts){ .profile = "default", .timeout_s = 2 };
}

static const pp_conf_table *const tables[] = { &ctl_conf_table,
                                               &eng_conf_table,
                                               &drv_conf_table };

/* The files loaded so far: the options borrow their values, so they
 * live until the test ends. */
static pp_conf kept[64];
static size_t nkept;

static int free_kept(void **state)
{
    (void)state;
    for (size_t i = 0; i < nkept; i++)
        pp_conf_free(&kept[i]);
    nkept = 0;
    return 0;
}

/* Parses text as "c.conf" and applies it to o (given may be NULL); the
 * return code, with err's message. */
static int load(const pp_conf_table *t, const char *text, any_opts *o,
                const bool *given, pp_error *err)
{
    if (nkept == sizeof kept / sizeof kept[0])
        free_kept(NULL);
    pp_conf *c = &kept[nkept++];
    int rc = pp_conf_parse(t, "c.conf", text, strlen(text), c, err);
    if (!rc)
        rc = pp_conf_apply(t, c, o, given, err);
    return rc;
}

/* The message a refused text gets. */
static const char *refusal(const pp_conf_table *t, const char *text)
{
    static pp_error err;
    any_opts o;
    init_opts(t, &o);
    memset(&err, 0, sizeof err);
    if (load(t, text, &o, NULL, &err) != PP_EINVAL)
        fail_msg("'%s' was not refused", text);
    return err.msg;
}

static void every_key_parses_its_default_and_its_example(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        const pp_conf_table *t = tables[i];
        for (size_t k = 0; k < t->nkeys; k++) {
            const pp_conf_key *key = &t->keys[k];
            const char *values[2] = { key->def, key->example };
            assert_non_null(key->example);
            assert_non_null(key->doc);
            /* A key without a default says what happens instead. */
            assert_true(key->def || key->unset);
            for (int v = 0; v < 2; v++) {
                if (!values[v])
                    continue;
                char text[512];
                snprintf(text, sizeof text, "%s = %s\n", key->key,
                         values[v]);
                any_opts o;
                init_opts(t, &o);
                pp_error err = { 0 };
                if (load(t, text, &o, NULL, &err))
                    fail_msg("%s: '%s' refused: %s", t->file, text,
                             err.msg);
            }
        }
    }
}

/* The default, applied, leaves the options as they were: the table's
 * word for it is the program's. */
static void a_default_changes_nothing(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        const pp_conf_table *t = tables[i];
        for (size_t k = 0; k < t->nkeys; k++) {
            const pp_conf_key *key = &t->keys[k];
            /* data_dir's default is where the engine looks when it has
             * none: the same place, another representation. */
            if (!key->def || strcmp(key->key, "data_dir") == 0)
                continue;
            char text[512];
            snprintf(text, sizeof text, "%s = %s\n", key->key, key->def);
            any_opts before, after;
            init_opts(t, &before);
            init_opts(t, &after);
            pp_error err = { 0 };
            assert_int_equal(load(t, text, &after, NULL, &err), 0);
            /* Strings may point elsewhere; compare what they say. */
            if (t == &ctl_conf_table) {
                assert_string_equal(after.ctl.cfg.ip, before.ctl.cfg.ip);
                assert_string_equal(after.ctl.cfg.scheme,
                                    before.ctl.cfg.scheme);
                after.ctl.cfg.ip = before.ctl.cfg.ip;
                after.ctl.cfg.scheme = before.ctl.cfg.scheme;
            } else if (t == &eng_conf_table) {
                assert_string_equal(after.eng.mods.cc, before.eng.mods.cc);
                after.eng.mods.cc = before.eng.mods.cc;
            }
            if (memcmp(&before, &after, t->opts_size) != 0)
                fail_msg("%s: '%s' changed the options", t->file, text);
            free_kept(NULL);
        }
    }
}

static void the_template_changes_nothing_and_uncommented_parses(void **st)
{
    (void)st;
    for (size_t i = 0; i < 3; i++) {
        const pp_conf_table *t = tables[i];
        for (int uncomment = 0; uncomment < 2; uncomment++) {
            char *text = NULL;
            size_t len = 0;
            FILE *f = open_memstream(&text, &len);
            assert_non_null(f);
            assert_int_equal(
                pp_conf_write_template(t, "pis", uncomment, f), 0);
            fclose(f);
            assert_contains(text, "profile 'pis'");
            pp_conf c;
            pp_error err = { 0 };
            int rc = pp_conf_parse(t, t->file, text, len, &c, &err);
            if (rc)
                fail_msg("%s: %s", t->file, err.msg);
            /* Commented: no key at all; uncommented: every one. */
            assert_int_equal(c.n, uncomment ? t->nkeys : 0);
            any_opts o;
            init_opts(t, &o);
            rc = pp_conf_apply(t, &c, &o, NULL, &err);
            if (rc)
                fail_msg("%s: %s", t->file, err.msg);
            for (size_t k = 0; k < t->nkeys; k++) {
                char doc_line[96];
                snprintf(doc_line, sizeof doc_line, "\n%s%s = ",
                         uncomment ? "" : "# ", t->keys[k].key);
                assert_contains(text, doc_line);
                if (t->keys[k].option) {
                    snprintf(doc_line, sizeof doc_line, "Option: %s",
                             t->keys[k].option);
                    assert_contains(text, doc_line);
                }
            }
            pp_conf_free(&c);
            free(text);
        }
    }
}

static void values_reach_the_options(void **state)
{
    (void)state;
    any_opts o;
    pp_error err = { 0 };
    init_opts(&ctl_conf_table, &o);
    assert_int_equal(load(&ctl_conf_table,
                          "# a comment\n\n  hwm = 7\n"
                          "heartbeat_period=0.25   # a quarter second\n"
                          "scheme = \"twobin\"\ncurve = yes\n"
                          "max_message_size = 64M\r\n",
                          &o, NULL, &err),
                     0);
    assert_int_equal(o.ctl.cfg.hwm, 7);
    assert_true(o.ctl.cfg.heartbeat_s == 0.25);
    assert_string_equal(o.ctl.cfg.scheme, "twobin");
    assert_true(o.ctl.cfg.curve);
    assert_i64_equal(o.ctl.cfg.max_message, 64 << 20);

    init_opts(&eng_conf_table, &o);
    assert_int_equal(load(&eng_conf_table,
                          "load = /a/sq.c, \"/b c/sum.c\" ,x.c\n"
                          "modules_dir = \"\"\nno_restart = on\n",
                          &o, NULL, &err),
                     0);
    assert_string_equal(o.eng.load, "/a/sq.c,/b c/sum.c,x.c");
    assert_string_equal(o.eng.load_where, "c.conf:1: load");
    assert_null(o.eng.mods.modules_dir);
    assert_true(o.eng.modules_dir_given);
    assert_true(o.eng.no_restart);

    init_opts(&drv_conf_table, &o);
    assert_int_equal(load(&drv_conf_table, "engines = 3\nembed = true\n",
                          &o, NULL, &err),
                     0);
    assert_int_equal(o.drv.engines, 3);
    assert_true(o.drv.embed);
}

static void unknown_keys_are_named_with_the_nearest_one(void **state)
{
    (void)state;
    assert_string_equal(refusal(&ctl_conf_table, "hwm = 1\n\n"
                                                 "heartbeat_perod = 2\n"),
                        "c.conf:3: unknown key 'heartbeat_perod' (did you "
                        "mean heartbeat_period?)");
    assert_string_equal(refusal(&ctl_conf_table, "--max-message-size = 1\n"),
                        "c.conf:1: unknown key '--max-message-size' (did "
                        "you mean max_message_size?)");
    assert_string_equal(refusal(&eng_conf_table, "lod = x.c\n"),
                        "c.conf:1: unknown key 'lod' (did you mean "
                        "load?)");
    assert_string_equal(refusal(&ctl_conf_table, "profile = x\n"),
                        "c.conf:1: unknown key 'profile' (controller.conf "
                        "knows those listed in 'driver profile create')");
    /* An engine key in the controller's file is no typo of its own. */
    assert_string_equal(refusal(&ctl_conf_table, "data_file = x\n"),
                        "c.conf:1: unknown key 'data_file' "
                        "(controller.conf knows those listed in 'driver "
                        "profile create')");
    assert_string_equal(refusal(&drv_conf_table, "Engines = 2\n"),
                        "c.conf:1: unknown key 'Engines' (did you mean "
                        "engines?)");
}

/* A bad value gets the command line's message, the option's name made
 * "file:line: key". */
static void bad_values_get_the_command_lines_message(void **state)
{
    (void)state;
    static const struct {
        const pp_conf_table *t;
        const char *key, *option, *value;
        int id;
    } cases[] = {
        { &ctl_conf_table, "hwm", "--hwm", "x", 'w' },
        { &ctl_conf_table, "hwm", "--hwm", "-1", 'w' },
        { &ctl_conf_table, "heartbeat_period", "--heartbeat-period", "0",
          'P' },
        { &ctl_conf_table, "max_message_size", "--max-message-size", "1T",
          'X' },
        { &ctl_conf_table, "scheme", "--scheme", "fastest", 's' },
        { &ctl_conf_table, "location", "--location", "a/b", 'L' },
        { &ctl_conf_table, "log_level", "--log-level", "loud", 'l' },
        { &eng_conf_table, "timeout", "--timeout", "0", 't' },
        { &eng_conf_table, "task_delay", "--task-delay", "1e9", 'd' },
        { &drv_conf_table, "engines", "--engines", "0", 'n' },
        { &drv_conf_table, "timeout", "--timeout", "inf", 't' },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128], want[600];
        snprintf(text, sizeof text, "%s = %s\n", cases[i].key,
                 cases[i].value);
        any_opts o;
        init_opts(cases[i].t, &o);
        pp_error cli = { 0 };
        assert_int_equal(cases[i].t->apply(&o, cases[i].id, cases[i].option,
                                           cases[i].value, &cli),
                         PP_EINVAL);
        assert_contains(cli.msg, cases[i].option);
        snprintf(want, sizeof want, "c.conf:1: %s%s", cases[i].key,
                 cli.msg + strlen(cases[i].option));
        assert_string_equal(refusal(cases[i].t, text), want);
    }
    assert_string_equal(refusal(&ctl_conf_table, "curve = maybe\n"),
                        "c.conf:1: curve: 'maybe' is not true or false "
                        "(nor yes, no, on, off)");
    assert_string_equal(refusal(&eng_conf_table, "load = sq.c, notes.txt\n"),
                        "c.conf:1: load: 'notes.txt' is not a C source "
                        "(NAME.c)");
    assert_string_equal(refusal(&eng_conf_table, "data_file = \"\"\n"),
                        "c.conf:1: data_file: an empty file name");
}

static void malformed_lines_are_refused(void **state)
{
    (void)state;
    const pp_conf_table *t = &ctl_conf_table;
    assert_string_equal(refusal(t, "hwm = 1\nhwm 2\n"),
                        "c.conf:2: expected 'key = value', found no '='");
    assert_string_equal(refusal(t, " = 2\n"), "c.conf:1: no key before '='");
    assert_string_equal(refusal(t, "hwm = 1\nbacklog = 5\nhwm = 2\n"),
                        "c.conf:3: duplicate key 'hwm' (first on line 1)");
    assert_string_equal(refusal(t, "hwm = 5 6\n"),
                        "c.conf:1: hwm: unexpected '6' after the value '5' "
                        "(put a value with spaces in double quotes)");
    assert_string_equal(refusal(t, "ip = \"127.0.0.1\"x\n"),
                        "c.conf:1: ip: unexpected 'x' after the value "
                        "'127.0.0.1'");
    assert_string_equal(refusal(t, "hwm =\n"),
                        "c.conf:1: hwm: no value (write \"\" for an empty "
                        "one)");
    assert_string_equal(refusal(t, "hwm = # none\n"),
                        "c.conf:1: hwm: no value (write \"\" for an empty "
                        "one)");
    assert_string_equal(refusal(t, "results_dir = \"/a b\n"),
                        "c.conf:1: results_dir: the '\"' is never closed");
    /* "5#" is one word, which is not a number. */
    assert_string_equal(refusal(t, "hwm = 5#six\n"),
                        "c.conf:1: hwm: '5#six' is not a whole number");
    /* A list's items: separated by one comma each. */
    assert_string_equal(refusal(&eng_conf_table, "load = a.c,\n"),
                        "c.conf:1: load: a value is missing after ','");
    assert_string_equal(refusal(&eng_conf_table, "load = a.c,,b.c\n"),
                        "c.conf:1: load: an empty item before ','");
    /* Only lists take a comma. */
    assert_string_equal(refusal(t, "hwm = 1,2\n"),
                        "c.conf:1: hwm: unexpected ',2' after the value "
                        "'1' (put a value with spaces in double quotes)");

    char text[PP_CONF_LINE_MAX + 64] = "results_dir = ";
    size_t n = strlen(text);
    memset(text + n, 'a', sizeof text - n - 2);
    text[sizeof text - 2] = '\n';
    text[sizeof text - 1] = '\0';
    char want[128];
    snprintf(want, sizeof want,
             "c.conf:1: the line is longer than %d characters",
             PP_CONF_LINE_MAX);
    assert_string_equal(refusal(t, text), want);

    static const char nul[] = "hwm = 1\nbacklog\0 = 2\n";
    pp_conf c;
    pp_error err = { 0 };
    assert_int_equal(pp_conf_parse(t, "c.conf", nul, sizeof nul - 1, &c,
                                   &err),
                     PP_EINVAL);
    pp_conf_free(&c);
    assert_string_equal(err.msg,
                        "c.conf:2: a NUL byte: this is not a text file");
}

static void a_missing_file_is_empty_and_an_unreadable_one_named(void **st)
{
    (void)st;
    char dir[] = "/tmp/pipar-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/none.conf", dir);
    pp_conf c;
    pp_error err = { 0 };
    bool exists = true;
    assert_int_equal(pp_conf_read(&ctl_conf_table, path, &c, &exists, &err),
                     0);
    assert_false(exists);
    assert_int_equal(c.n, 0);
    pp_conf_free(&c);
    /* A folder where the file should be cannot be read (as root, too,
     * unlike a file without permissions). */
    snprintf(path, sizeof path, "%s/controller.conf", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(pp_conf_read(&ctl_conf_table, path, &c, &exists, &err),
                     PP_EIO);
    pp_conf_free(&c);
    char want[200];
    snprintf(want, sizeof want, "cannot read %s", path);
    assert_contains(err.msg, want);
    rmdir(path);
    rmdir(dir);
}

/* Command line, then environment, then file, then default. */
static void the_command_line_wins_then_the_environment_then_the_file(
    void **state)
{
    (void)state;
    any_opts o;
    pp_error err = { 0 };
    bool given[PP_CONF_IDS] = { false };
    const char *saved = getenv("PIPAR_DATA_DIR");
    char *saved_copy = saved ? strdup(saved) : NULL;
    unsetenv("PIPAR_DATA_DIR");

    /* Default. */
    init_opts(&eng_conf_table, &o);
    assert_int_equal(load(&eng_conf_table, "", &o, given, &err), 0);
    assert_null(o.eng.data_dir);
    assert_true(o.eng.timeout_s == 10);
    /* The file over the default. */
    assert_int_equal(load(&eng_conf_table,
                          "data_dir = /file\ntimeout = 30\n", &o, given,
                          &err),
                     0);
    assert_string_equal(o.eng.data_dir, "/file");
    assert_true(o.eng.timeout_s == 30);
    /* The environment over the file: data_dir stays unset, the engine
     * uses $PIPAR_DATA_DIR. */
    setenv("PIPAR_DATA_DIR", "/env", 1);
    init_opts(&eng_conf_table, &o);
    assert_int_equal(load(&eng_conf_table, "data_dir = /file\n", &o, given,
                          &err),
                     0);
    assert_null(o.eng.data_dir);
    /* The command line over both. */
    init_opts(&eng_conf_table, &o);
    assert_int_equal(eng_opts_apply(&o, 'D', "--data-dir", "/cli", &err), 0);
    assert_int_equal(eng_opts_apply(&o, 't', "--timeout", "5", &err), 0);
    given['D'] = given['t'] = true;
    assert_int_equal(load(&eng_conf_table,
                          "data_dir = /file\ntimeout = 30\ntask_delay = 1\n",
                          &o, given, &err),
                     0);
    assert_string_equal(o.eng.data_dir, "/cli");
    assert_true(o.eng.timeout_s == 5);
    assert_true(o.eng.task_delay_s == 1);
    /* A bad value is refused even where the command line wins. */
    assert_int_equal(load(&eng_conf_table, "timeout = soon\n", &o, given,
                          &err),
                     PP_EINVAL);
    assert_string_equal(err.msg, "c.conf:1: timeout: 'soon' is not a "
                                 "number");
    assert_true(o.eng.timeout_s == 5);
    if (saved_copy)
        setenv("PIPAR_DATA_DIR", saved_copy, 1);
    else
        unsetenv("PIPAR_DATA_DIR");
    free(saved_copy);

    /* The controller: --hwm over the file, the file's heartbeat. */
    bool cgiven[PP_CONF_IDS] = { false };
    init_opts(&ctl_conf_table, &o);
    assert_int_equal(ctl_opts_apply(&o, 'w', "--hwm", "3", &err), 0);
    cgiven['w'] = true;
    assert_int_equal(load(&ctl_conf_table,
                          "hwm = 9\nheartbeat_period = 0.5\n", &o, cgiven,
                          &err),
                     0);
    assert_int_equal(o.ctl.cfg.hwm, 3);
    assert_true(o.ctl.cfg.heartbeat_s == 0.5);
}

static void distances_and_switches(void **state)
{
    (void)state;
    assert_int_equal(pp_conf_distance("hwm", "hwm"), 0);
    assert_int_equal(pp_conf_distance("heartbeat_perod", "heartbeat_period"),
                     1);
    assert_int_equal(pp_conf_distance("kitten", "sitting"), 3);
    assert_int_equal(pp_conf_distance("", "abc"), 3);
    bool b = false;
    pp_error err = { 0 };
    assert_int_equal(pp_parse_bool("--x", "on", &b, &err), 0);
    assert_true(b);
    assert_int_equal(pp_parse_bool("--x", "no", &b, &err), 0);
    assert_false(b);
    assert_int_equal(pp_parse_bool("--x", "TRUE", &b, &err), PP_EINVAL);
    assert_string_equal(err.msg, "--x: 'TRUE' is not true or false (nor "
                                 "yes, no, on, off)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(every_key_parses_its_default_and_its_example, free_kept),
        cmocka_unit_test_teardown(a_default_changes_nothing, free_kept),
        cmocka_unit_test_teardown(the_template_changes_nothing_and_uncommented_parses, free_kept),
        cmocka_unit_test_teardown(values_reach_the_options, free_kept),
        cmocka_unit_test_teardown(unknown_keys_are_named_with_the_nearest_one, free_kept),
        cmocka_unit_test_teardown(bad_values_get_the_command_lines_message, free_kept),
        cmocka_unit_test_teardown(malformed_lines_are_refused, free_kept),
        cmocka_unit_test_teardown(a_missing_file_is_empty_and_an_unreadable_one_named, free_kept),
        cmocka_unit_test_teardown(
            the_command_line_wins_then_the_environment_then_the_file,
            free_kept),
        cmocka_unit_test_teardown(distances_and_switches, free_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
