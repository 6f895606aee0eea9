/* test_ssh.c - the SSH launcher's hosts file, its state in cluster.json,
 * and the addresses remote engines are never given. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "ssh.h"

static int parse(pp_ssh *s, const char *text, pp_error *err)
{
    memset(s, 0, sizeof *s);
    return pp_ssh_parse_hosts(s, "hosts", text, err);
}

static void a_file_of_the_article_parses(void **state)
{
    (void)state;
    pp_ssh s;
    pp_error err = { 0 };
    assert_int_equal(parse(&s,
                           "# the workers\n"
                           "pi1 4\n"
                           "\n"
                           "pi2 4 pi@ 2222   # a comment\n"
                           "ubuntu@10.0.0.7\n"
                           "pi3 2 dir=/srv/pipar engine=/opt/pipar/engine\n"
                           "pi4\t3\tpi@\r\n",
                           &err),
                     0);
    assert_int_equal(s.nhosts, 5);
    assert_string_equal(s.hosts[0].name, "pi1");
    assert_int_equal(s.hosts[0].nengines, 4);
    assert_string_equal(s.hosts[0].user, "");
    assert_int_equal(s.hosts[0].port, 0);
    assert_int_equal(s.hosts[0].line, 2);
    assert_string_equal(s.hosts[1].user, "pi");
    assert_int_equal(s.hosts[1].port, 2222);
    assert_int_equal(s.hosts[1].line, 4);
    assert_string_equal(s.hosts[2].name, "10.0.0.7");
    assert_string_equal(s.hosts[2].user, "ubuntu");
    assert_int_equal(s.hosts[2].nengines, 1);
    assert_string_equal(s.hosts[3].dir, "/srv/pipar");
    assert_string_equal(s.hosts[3].engine, "/opt/pipar/engine");
    assert_string_equal(s.hosts[4].user, "pi");
    assert_int_equal(s.hosts[4].nengines, 3);
    pp_ssh_free(&s);
}

static void bad_lines_are_refused_with_file_and_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "pi1 4\npi2 four\n", "hosts:2: unexpected 'four'" },
        { "pi1 0\n", "hosts:1: '0' engines: give 1 to 64" },
        { "pi1 65\n", "hosts:1: '65' engines" },
        { "pi1 99999999999\n", "hosts:1: '99999999999' engines" },
        { "pi1 2 pi@ 0\n", "hosts:1: port '0'" },
        { "pi1 2 pi@ 65536\n", "hosts:1: port '65536'" },
        { "pi1 2 22 33\n", "hosts:1: unexpected '33'" },
        { "-oProxyCommand=x\n", "hosts:1: '-oProxyCommand=x' is not a host" },
        { "pi;rm 2\n", "hosts:1: 'pi;rm' is not a host" },
        { "p$(x)@pi1\n", "hosts:1: 'p$(x)' is not a user name" },
        { "pi1 2 a@ b@\n", "hosts:1: unexpected 'b@'" },
        { "pi@pi1 2 a@\n", "hosts:1: the user is given twice" },
        { "pi1 dir=\n", "hosts:1: dir= wants a path" },
        { "pi1 2\n# x\npi1 3\n", "hosts:3: host 'pi1' again (line 1)" },
        { "# only a comment\n\n", "hosts: no hosts in it" },
        { "", "hosts: no hosts in it" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pp_ssh s;
        pp_error err = { 0 };
        assert_int_equal(parse(&s, cases[i].text, &err), PP_EINVAL);
        assert_contains(err.msg, cases[i].msg);
        assert_null(strchr(err.msg, '\n'));
        pp_ssh_free(&s);
    }
}

static void one_host_twice_with_its_own_dir_is_two_hosts(void **state)
{
    (void)state;
    pp_ssh s;
    pp_error err = { 0 };
    assert_int_equal(parse(&s, "localhost 2 dir=/a\nlocalhost 2 dir=/b\n",
                           &err),
                     0);
    assert_int_equal(s.nhosts, 2);
    pp_ssh_free(&s);
}

static void ssh_options_split_into_words(void **state)
{
    (void)state;
    pp_ssh s = { .nhosts = 0 };
    pp_error err = { 0 };
    assert_int_equal(pp_ssh_add_option(&s, "-i /k  -o\tA=b", &err), 0);
    assert_int_equal(s.nwords, 4);
    assert_string_equal(s.words[0], "-i");
    assert_string_equal(s.words[3], "A=b");
    assert_int_equal(pp_ssh_add_option(&s, "  ", &err), PP_EINVAL);
    assert_contains(err.msg, "--ssh-option: empty");
    pp_ssh_free(&s);
}

static void the_state_keeps_hosts_pids_and_options(void **state)
{
    (void)state;
    pp_ssh s;
    pp_error err = { 0 };
    assert_int_equal(parse(&s, "pi1 2 pi@ 2222 dir=/d\npi2 1\n", &err), 0);
    assert_int_equal(pp_ssh_add_option(&s, "-i key", &err), 0);
    s.hosts[0].pids[0] = 100;
    s.hosts[0].pids[1] = 101;
    s.hosts[0].npids = 2; /* pi2 started nothing: not in the state */
    json_t *j = pp_ssh_to_json(&s);
    pp_ssh back;
    assert_int_equal(pp_ssh_from_json(&back, j, &err), 0);
    json_decref(j);
    assert_int_equal(back.nhosts, 1);
    assert_string_equal(back.hosts[0].name, "pi1");
    assert_string_equal(back.hosts[0].user, "pi");
    assert_int_equal(back.hosts[0].port, 2222);
    assert_string_equal(back.hosts[0].dir, "/d");
    assert_int_equal(back.hosts[0].npids, 2);
    assert_int_equal(back.hosts[0].pids[1], 101);
    assert_int_equal(back.nwords, 2);
    assert_string_equal(back.words[1], "key");
    assert_int_equal(pp_ssh_started(&back), 2);
    pp_ssh_free(&back);
    pp_ssh_free(&s);
    json_t *bad = json_pack("{s:[{s:s, s:s, s:s, s:[]}], s:[]}", "hosts",
                            "host", "-oX", "user", "", "dir", "", "pids",
                            "options");
    assert_int_equal(pp_ssh_from_json(&back, bad, &err), PP_EINVAL);
    json_decref(bad);
}

static void loopback_addresses_are_refused(void **state)
{
    (void)state;
    pp_error err = { 0 };
    assert_int_equal(pp_ssh_check_address("--ip", "127.0.0.1", &err),
                     PP_EINVAL);
    assert_contains(err.msg, "--ip 127.0.0.1 is a loopback address");
    assert_contains(err.msg, "--ip (or --location)");
    assert_int_equal(pp_ssh_check_address("--ip", "127.0.1.1", &err),
                     PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--location", "::1", &err),
                     PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--location", "[::1]", &err),
                     PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--location", "localhost", &err),
                     PP_EINVAL);
    assert_contains(err.msg, "--location localhost resolves to the loopback");
    assert_int_equal(pp_ssh_check_address("--ip", "*", &err), PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--ip", "0.0.0.0", &err),
                     PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--ip", NULL, &err), PP_EINVAL);
    assert_int_equal(pp_ssh_check_address("--ip", "10.79.0.1", &err), 0);
    assert_int_equal(pp_ssh_check_address("--ip", "192.168.1.20", &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_file_of_the_article_parses),
        cmocka_unit_test(bad_lines_are_refused_with_file_and_line),
        cmocka_unit_test(one_host_twice_with_its_own_dir_is_two_hosts),
        cmocka_unit_test(ssh_options_split_into_words),
        cmocka_unit_test(the_state_keeps_hosts_pids_and_options),
        cmocka_unit_test(loopback_addresses_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
