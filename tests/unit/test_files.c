/* test_files.c - connection files, atomic writes, whole-file reads and
 * profile paths, all inside a fresh temporary directory that PIPAR_DIR and
 * HOME point to while the tests run. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "connfile.h"
#include "files.h"

#include "unit.h"

static char tmpdir[1024]; /* short enough that every path built on it fits */
static char *saved_pipar_dir;
static char *saved_home;
static mode_t saved_umask;

static char *saved_env(const char *name)
{
    const char *v = getenv(name);
    return v ? strdup(v) : NULL;
}

static void restore_env(const char *name, char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int make_tmpdir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/pipar-test-files-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir))
        return -1;
    saved_pipar_dir = saved_env("PIPAR_DIR");
    saved_home = saved_env("HOME");
    setenv("PIPAR_DIR", tmpdir, 1);
    setenv("HOME", tmpdir, 1);
    saved_umask = umask(022);
    return 0;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    umask(saved_umask);
    restore_env("PIPAR_DIR", saved_pipar_dir);
    restore_env("HOME", saved_home);
    saved_pipar_dir = saved_home = NULL;
    return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir/name */
static const char *tmp_path(const char *name)
{
    static char paths[4][PP_PATH_MAX];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, PP_PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* Names in dir that contain piece. */
static int entries_containing(const char *dir, const char *piece)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, piece) != NULL;
    closedir(d);
    return n;
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ---- connection files ---------------------------------------------------- */

static pp_conninfo sample_conninfo(void)
{
    pp_conninfo ci;
    memset(&ci, 0, sizeof ci);
    strcpy(ci.ip, "*");
    strcpy(ci.location, "127.0.0.1");
    ci.engine_port = 40001;
    ci.client_port = 65535;
    ci.events_port = 40003;
    for (int i = 0; i < PP_KEY_SIZE; i++)
        ci.key[i] = (uint8_t)(i * 37 + 250);
    ci.controller_pid = 4242;
    ci.clock_window_s = 300;
    ci.max_message = (int64_t)1 << 30;
    return ci;
}

static void key_hex(const uint8_t *key, char out[2 * PP_KEY_SIZE + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < PP_KEY_SIZE; i++) {
        out[2 * i] = digits[key[i] >> 4];
        out[2 * i + 1] = digits[key[i] & 15];
    }
    out[2 * PP_KEY_SIZE] = '\0';
}

/* A valid connection file as a jansson object, for tests to spoil. */
static json_t *valid_json(void)
{
    pp_conninfo ci = sample_conninfo();
    char key[2 * PP_KEY_SIZE + 1];
    key_hex(ci.key, key);
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:i}", "transport", "tcp",
        "ip", "*", "location", "127.0.0.1", "engine_port", 40001,
        "client_port", 65535, "events_port", 40003, "key", key,
        "signature_scheme", "hmac-sha256", "controller_pid", 4242);
    assert_non_null(root);
    return root;
}

static void write_json(const char *path, json_t *root)
{
    assert_int_equal(json_dump_file(root, path, JSON_INDENT(2)), 0);
    json_decref(root);
}

/* Reads path and expects PP_EINVAL with a message naming the file and
 * holding piece. */
static void assert_read_refuses(const char *path, const char *piece)
{
    pp_conninfo ci;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_read(path, &ci, &err), PP_EINVAL);
    assert_int_equal(err.code, PP_EINVAL);
    assert_contains(err.msg, path);
    assert_contains(err.msg, piece);
}

static void connection_file_round_trips_every_field(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    pp_conninfo ci = sample_conninfo(), back;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_write(path, &ci, &err), 0);
    memset(&back, 0xaa, sizeof back);
    assert_int_equal(pp_conninfo_read(path, &back, &err), 0);
    assert_string_equal(back.ip, "*");
    assert_string_equal(back.location, "127.0.0.1");
    assert_int_equal(back.engine_port, 40001);
    assert_int_equal(back.client_port, 65535);
    assert_int_equal(back.events_port, 40003);
    assert_memory_equal(back.key, ci.key, PP_KEY_SIZE);
    assert_int_equal(back.controller_pid, 4242);
}

static void connection_file_written_without_events_port_reads_back(
    void **state)
{
    (void)state;
    /* connfile.h: events_port is "0 when the file names none"; a file
     * written for such a controller must read back. */
    const char *path = tmp_path("engine.json");
    pp_conninfo ci = sample_conninfo(), back;
    ci.events_port = 0;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_write(path, &ci, &err), 0);
    int rc = pp_conninfo_read(path, &back, &err);
    if (rc != 0)
        fail_msg("read of what write wrote failed: %s", err.msg);
    assert_int_equal(back.events_port, 0);
    assert_int_equal(back.engine_port, 40001);
}

static void connection_file_without_events_port_reads_it_as_zero(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *root = valid_json();
    assert_int_equal(json_object_del(root, "events_port"), 0);
    write_json(path, root);
    pp_conninfo ci;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_read(path, &ci, &err), 0);
    assert_int_equal(ci.events_port, 0);
    assert_int_equal(ci.client_port, 65535);
}

static void connection_file_events_port_if_present_must_be_a_port(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *bad[] = { json_integer(70000), json_integer(-1),
                      json_string("40003"), json_real(1.5) };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *root = valid_json();
        assert_int_equal(json_object_set_new(root, "events_port", bad[i]),
                         0);
        write_json(path, root);
        assert_read_refuses(path,
                            "\"events_port\" must be a port number 1-65535");
    }
}

static void connection_file_limits_if_present_must_be_in_range(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *bad_window[] = { json_integer(-1), json_string("300"),
                             json_integer(86401) };
    for (size_t i = 0; i < 3; i++) {
        json_t *root = valid_json();
        json_object_set_new(root, "clock_window", bad_window[i]);
        write_json(path, root);
        assert_read_refuses(path, "\"clock_window\" must be a number of "
                                  "seconds from 0 to 86400");
    }
    json_t *bad_size[] = { json_integer(1023), json_real(1e9),
                           json_string("1G") };
    for (size_t i = 0; i < 3; i++) {
        json_t *root = valid_json();
        json_object_set_new(root, "max_message_size", bad_size[i]);
        write_json(path, root);
        assert_read_refuses(path, "\"max_message_size\" must be a whole "
                                  "number of bytes, at least 1024");
    }
    /* Absent, both take their defaults. */
    write_json(path, valid_json());
    pp_conninfo ci;
    assert_int_equal(pp_conninfo_read(path, &ci, NULL), 0);
    assert_true(ci.clock_window_s == PP_CLOCK_WINDOW_S);
    assert_i64_equal(ci.max_message, PP_MAX_MESSAGE);
}

static void connection_file_curve_keys_come_all_three_and_in_z85(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    pp_conninfo ci = sample_conninfo();
    assert_int_equal(zmq_curve_keypair(ci.curve_server, ci.curve_secret), 0);
    assert_int_equal(zmq_curve_keypair(ci.curve_public, ci.curve_secret), 0);
    assert_int_equal(pp_conninfo_write(path, &ci, NULL), 0);
    pp_conninfo back;
    assert_int_equal(pp_conninfo_read(path, &back, NULL), 0);
    assert_string_equal(back.curve_server, ci.curve_server);
    assert_string_equal(back.curve_public, ci.curve_public);
    assert_string_equal(back.curve_secret, ci.curve_secret);

    json_t *root = valid_json();
    json_object_set_new(root, "curve_serverkey", json_string(ci.curve_server));
    write_json(path, root);
    assert_read_refuses(path, "\"curve_serverkey\", \"curve_publickey\" and "
                              "\"curve_secretkey\" go together");
    root = valid_json();
    json_object_set_new(root, "curve_serverkey", json_string(ci.curve_server));
    json_object_set_new(root, "curve_publickey", json_string("short"));
    json_object_set_new(root, "curve_secretkey", json_string(ci.curve_secret));
    write_json(path, root);
    assert_read_refuses(path,
                        "\"curve_publickey\" must be a Z85 key of 40 characters");
}

static void connection_file_is_the_documented_json(void **state)
{
    (void)state;
    const char *path = tmp_path("client.json");
    pp_conninfo ci = sample_conninfo();
    assert_int_equal(pp_conninfo_write(path, &ci, NULL), 0);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    char key[2 * PP_KEY_SIZE + 1];
    key_hex(ci.key, key);
    assert_string_equal(json_string_value(json_object_get(root, "transport")),
                        "tcp");
    assert_string_equal(json_string_value(json_object_get(root, "ip")), "*");
    assert_string_equal(json_string_value(json_object_get(root, "location")),
                        "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(root, "engine_port")),
                     40001);
    assert_int_equal(json_integer_value(json_object_get(root, "client_port")),
                     65535);
    assert_string_equal(json_string_value(json_object_get(root, "key")), key);
    assert_string_equal(
        json_string_value(json_object_get(root, "signature_scheme")),
        "hmac-sha256");
    assert_int_equal(json_integer_value(json_object_get(root, "events_port")),
                     40003);
    assert_int_equal(
        json_integer_value(json_object_get(root, "controller_pid")), 4242);
    assert_true(json_number_value(json_object_get(root, "clock_window"))
                == 300.0);
    assert_int_equal(
        json_integer_value(json_object_get(root, "max_message_size")),
        (json_int_t)1 << 30);
    assert_int_equal(json_object_size(root), 11);
    json_decref(root);
}

static void connection_file_is_written_with_mode_0600(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    pp_conninfo ci = sample_conninfo();
    /* Even over a world-readable file and with a permissive umask. */
    write_text(path, "old");
    assert_int_equal(chmod(path, 0644), 0);
    umask(0);
    assert_int_equal(pp_conninfo_write(path, &ci, NULL), 0);
    umask(022);
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(entries_containing(tmpdir, ".tmp."), 0);
    assert_int_equal(entries(tmpdir), 1);
}

static void reading_a_missing_connection_file_is_enoent_naming_it(
    void **state)
{
    (void)state;
    const char *path = tmp_path("absent.json");
    pp_conninfo ci;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_read(path, &ci, &err), PP_ENOENT);
    assert_int_equal(err.code, PP_ENOENT);
    assert_contains(err.msg, path);
}

static void connection_file_of_invalid_json_is_refused(void **state)
{
    (void)state;
    const char *path = tmp_path("bad.json");
    write_text(path, "{\"transport\": \"tcp\",");
    assert_read_refuses(path, "not valid JSON");
    write_text(path, "");
    assert_read_refuses(path, "not valid JSON");
    write_text(path, "[1, 2]");
    assert_read_refuses(path, "not a JSON object");
}

static void connection_file_missing_a_field_is_refused_naming_it(
    void **state)
{
    (void)state;
    static const char *fields[] = {
        "transport",   "ip",  "location",         "engine_port",
        "client_port", "key", "signature_scheme",
    };
    const char *path = tmp_path("engine.json");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *root = valid_json();
        assert_int_equal(json_object_del(root, fields[i]), 0);
        write_json(path, root);
        char want[64];
        snprintf(want, sizeof want, "missing field \"%s\"", fields[i]);
        assert_read_refuses(path, want);
    }
}

static void connection_file_without_controller_pid_is_accepted(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *root = valid_json();
    json_object_del(root, "controller_pid");
    write_json(path, root);
    pp_conninfo ci;
    assert_int_equal(pp_conninfo_read(path, &ci, NULL), 0);
    assert_int_equal(ci.controller_pid, 0);
    assert_int_equal(ci.engine_port, 40001);
}

static void write_with_key(const char *path, json_t *key)
{
    json_t *root = valid_json();
    assert_int_equal(json_object_set_new(root, "key", key), 0);
    write_json(path, root);
}

static void connection_file_key_must_be_sixty_four_hex_digits(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    char key[200];
    size_t bad_lengths[] = { 0, 2, 62, 63, 65, 66, 128 };
    for (size_t i = 0; i < sizeof bad_lengths / sizeof bad_lengths[0]; i++) {
        memset(key, 'a', bad_lengths[i]);
        key[bad_lengths[i]] = '\0';
        write_with_key(path, json_string(key));
        assert_read_refuses(path, "\"key\"");
    }
    /* Right length, wrong digits. */
    memset(key, 'a', 64);
    key[64] = '\0';
    key[17] = 'g';
    write_with_key(path, json_string(key));
    assert_read_refuses(path, "\"key\" must be 64 hex digits");
    key[17] = 'a';
    key[63] = ' ';
    write_with_key(path, json_string(key));
    assert_read_refuses(path, "\"key\" must be 64 hex digits");
    /* Not a string at all. */
    write_with_key(path, json_integer(12));
    assert_read_refuses(path, "\"key\"");
}

static void connection_file_key_may_use_capital_hex_digits(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    char key[65];
    for (int i = 0; i < 64; i++)
        key[i] = "0123456789ABCDEF"[i % 16];
    key[64] = '\0';
    write_with_key(path, json_string(key));
    pp_conninfo ci;
    pp_error err = { 0 };
    assert_int_equal(pp_conninfo_read(path, &ci, &err), 0);
    for (int i = 0; i < PP_KEY_SIZE; i++)
        assert_int_equal(ci.key[i], (i % 8) * 0x22 + 0x01);
}

static void connection_file_ports_must_be_numbers_from_1_to_65535(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    static const char *ports[] = { "engine_port", "client_port" };
    for (int p = 0; p < 2; p++) {
        json_t *bad[] = {
            json_integer(0),        json_integer(70000),
            json_integer(-1),       json_integer(65536),
            json_string("40001"),   json_real(40001.5),
            json_null(),            json_true(),
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            json_t *root = valid_json();
            assert_int_equal(json_object_set_new(root, ports[p], bad[i]), 0);
            write_json(path, root);
            char want[64];
            snprintf(want, sizeof want,
                     "\"%s\" must be a port number 1-65535", ports[p]);
            assert_read_refuses(path, want);
        }
    }
    /* The ends of the range are fine. */
    json_t *root = valid_json();
    json_object_set_new(root, "engine_port", json_integer(1));
    json_object_set_new(root, "client_port", json_integer(65535));
    write_json(path, root);
    pp_conninfo ci;
    assert_int_equal(pp_conninfo_read(path, &ci, NULL), 0);
    assert_int_equal(ci.engine_port, 1);
    assert_int_equal(ci.client_port, 65535);
}

static void connection_file_transport_must_be_tcp(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *root = valid_json();
    json_object_set_new(root, "transport", json_string("ipc"));
    write_json(path, root);
    assert_read_refuses(path, "transport \"ipc\" is not supported");
    root = valid_json();
    json_object_set_new(root, "transport", json_integer(1));
    write_json(path, root);
    assert_read_refuses(path, "\"transport\"");
}

static void connection_file_signature_scheme_must_be_hmac_sha256(
    void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *root = valid_json();
    json_object_set_new(root, "signature_scheme", json_string("hmac-md5"));
    write_json(path, root);
    assert_read_refuses(path, "signature_scheme \"hmac-md5\" is not supported");
    root = valid_json();
    json_object_set_new(root, "signature_scheme", json_string(""));
    write_json(path, root);
    assert_read_refuses(path, "\"signature_scheme\"");
}

static void connection_file_addresses_must_be_non_empty_strings(void **state)
{
    (void)state;
    const char *path = tmp_path("engine.json");
    json_t *root = valid_json();
    json_object_set_new(root, "ip", json_string(""));
    write_json(path, root);
    assert_read_refuses(path, "\"ip\" must be a non-empty string");
    root = valid_json();
    json_object_set_new(root, "location", json_integer(127));
    write_json(path, root);
    assert_read_refuses(path, "\"location\" must be a non-empty string");
}

static void endpoint_joins_location_and_port(void **state)
{
    (void)state;
    pp_conninfo ci = sample_conninfo();
    char out[64];
    assert_int_equal(pp_conninfo_endpoint(&ci, ci.engine_port, out,
                                          sizeof out),
                     0);
    assert_string_equal(out, "tcp://127.0.0.1:40001");
    char small[10];
    assert_int_equal(pp_conninfo_endpoint(&ci, 1, small, sizeof small),
                     PP_EINVAL);
}

/* ---- atomic writes and whole-file reads ---------------------------------- */

static void atomic_write_creates_the_file_with_its_bytes_and_mode(
    void **state)
{
    (void)state;
    const char *path = tmp_path("data.bin");
    const char data[] = "line one\n\0binary\xff";
    pp_error err = { 0 };
    umask(077);
    assert_int_equal(
        pp_file_write_atomic(path, data, sizeof data, 0640, &err), 0);
    umask(022);
    assert_int_equal(mode_of(path), 0640);
    char *text = NULL;
    size_t size = 0;
    assert_int_equal(pp_file_read(path, &text, &size, 1 << 20, &err), 0);
    assert_int_equal(size, sizeof data);
    assert_memory_equal(text, data, sizeof data);
    assert_int_equal(text[size], '\0');
    free(text);
}

static void atomic_write_replaces_a_file_whole_and_leaves_no_temp_file(
    void **state)
{
    (void)state;
    const char *path = tmp_path("state.json");
    write_text(path, "an old and rather longer content than the new one\n");
    pp_error err = { 0 };
    assert_int_equal(pp_file_write_atomic(path, "new\n", 4, 0600, &err), 0);
    char *text = NULL;
    size_t size = 0;
    assert_int_equal(pp_file_read(path, &text, &size, 4096, &err), 0);
    assert_string_equal(text, "new\n");
    assert_int_equal(size, 4);
    free(text);
    assert_int_equal(entries_containing(tmpdir, ".tmp."), 0);
    assert_int_equal(entries(tmpdir), 1);

    /* An empty file is a file too. */
    assert_int_equal(pp_file_write_atomic(path, "", 0, 0600, &err), 0);
    assert_int_equal(pp_file_read(path, &text, &size, 4096, &err), 0);
    assert_int_equal(size, 0);
    assert_string_equal(text, "");
    free(text);
    assert_int_equal(entries(tmpdir), 1);
}

static void atomic_write_into_a_missing_directory_fails_naming_it(
    void **state)
{
    (void)state;
    const char *path = tmp_path("no/such/dir/file");
    pp_error err = { 0 };
    assert_int_equal(pp_file_write_atomic(path, "x", 1, 0600, &err), PP_EIO);
    assert_int_equal(err.code, PP_EIO);
    assert_contains(err.msg, path);
    assert_int_equal(entries(tmpdir), 0);
}

static void read_of_a_missing_file_is_enoent_naming_it(void **state)
{
    (void)state;
    const char *path = tmp_path("missing.txt");
    char *text = (char *)"untouched";
    pp_error err = { 0 };
    assert_int_equal(pp_file_read(path, &text, NULL, 4096, &err), PP_ENOENT);
    assert_null(text);
    assert_contains(err.msg, path);
}

static void read_returns_a_file_larger_than_its_first_buffer(void **state)
{
    (void)state;
    const char *path = tmp_path("big.txt");
    enum { SIZE = 100000 };
    char *data = malloc(SIZE);
    assert_non_null(data);
    for (size_t i = 0; i < SIZE; i++)
        data[i] = (char)('a' + i % 26);
    assert_int_equal(pp_file_write_atomic(path, data, SIZE, 0600, NULL), 0);
    char *text = NULL;
    size_t size = 0;
    assert_int_equal(pp_file_read(path, &text, &size, 1 << 20, NULL), 0);
    assert_int_equal(size, SIZE);
    assert_memory_equal(text, data, SIZE);
    assert_int_equal(text[SIZE], '\0');
    free(text);
    free(data);
}

static void read_refuses_a_file_far_larger_than_its_limit(void **state)
{
    (void)state;
    const char *path = tmp_path("huge.txt");
    enum { SIZE = 3 << 20 };
    char *data = calloc(1, SIZE);
    assert_non_null(data);
    assert_int_equal(pp_file_write_atomic(path, data, SIZE, 0600, NULL), 0);
    free(data);
    char *text = NULL;
    pp_error err = { 0 };
    assert_int_equal(pp_file_read(path, &text, NULL, 1 << 20, &err),
                     PP_EINVAL);
    assert_null(text);
    assert_contains(err.msg, path);
    assert_contains(err.msg, "larger than 1048576 bytes");
}

static void mkdirs_creates_every_missing_directory(void **state)
{
    (void)state;
    const char *path = tmp_path("a/b/c");
    pp_error err = { 0 };
    assert_int_equal(pp_mkdirs(path, 0700, &err), 0);
    assert_int_equal(mode_of(tmp_path("a")), 0700);
    assert_int_equal(mode_of(tmp_path("a/b/c")), 0700);
    /* Again: the directories exist already, which is fine. */
    assert_int_equal(pp_mkdirs(path, 0700, &err), 0);
    /* A file in the way is not. */
    write_text(tmp_path("a/file"), "x");
    assert_int_equal(pp_mkdirs(tmp_path("a/file/d"), 0700, &err), PP_EIO);
    assert_contains(err.msg, "a/file");
}

/* ---- profiles ------------------------------------------------------------ */

static void profile_names_of_letters_digits_and_punctuation_are_accepted(
    void **state)
{
    (void)state;
    char longest[65];
    memset(longest, 'p', 64);
    longest[64] = '\0';
    const char *good[] = { "default", "a", "My-profile_2.0", "x.", longest };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (pp_profile_check(good[i], NULL) != 0)
            fail_msg("profile '%s' refused", good[i]);
}

static void profile_check_refuses_bad_names(void **state)
{
    (void)state;
    char too_long[66];
    memset(too_long, 'p', 65);
    too_long[65] = '\0';
    const char *bad[] = { "", ".x", "..", ".", "a/b", "../etc", "a b",
                          "tab\t", "caf\xc3\xa9", too_long };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp_error err = { 0 };
        if (pp_profile_check(bad[i], &err) != PP_EINVAL)
            fail_msg("profile '%s' accepted", bad[i]);
        assert_int_equal(err.code, PP_EINVAL);
        assert_contains(err.msg, "profile '");
    }
    pp_error err = { 0 };
    assert_int_equal(pp_profile_check("a/b", &err), PP_EINVAL);
    assert_contains(err.msg, "only letters, digits");
    assert_int_equal(pp_profile_check(too_long, &err), PP_EINVAL);
    assert_contains(err.msg, "1 to 64 characters");
}

static void profile_dir_is_under_pipar_dir(void **state)
{
    (void)state;
    char out[PP_PATH_MAX], want[PP_PATH_MAX];
    pp_error err = { 0 };
    assert_int_equal(pp_profile_dir("default", out, sizeof out, &err), 0);
    snprintf(want, sizeof want, "%s/profile_default", tmpdir);
    assert_string_equal(out, want);

    setenv("PIPAR_DIR", "/somewhere/else", 1);
    assert_int_equal(pp_profile_dir("x", out, sizeof out, &err), 0);
    assert_string_equal(out, "/somewhere/else/profile_x");
    setenv("PIPAR_DIR", tmpdir, 1);
}

static void profile_dir_defaults_to_dot_pipar_in_home(void **state)
{
    (void)state;
    char out[PP_PATH_MAX], want[PP_PATH_MAX];
    pp_error err = { 0 };
    setenv("HOME", "/home/someone", 1);
    unsetenv("PIPAR_DIR");
    assert_int_equal(pp_profile_dir("default", out, sizeof out, &err), 0);
    assert_string_equal(out, "/home/someone/.pipar/profile_default");
    setenv("PIPAR_DIR", "", 1); /* empty counts as unset */
    assert_int_equal(pp_profile_dir("default", out, sizeof out, &err), 0);
    assert_string_equal(out, "/home/someone/.pipar/profile_default");
    unsetenv("HOME");
    unsetenv("PIPAR_DIR");
    assert_int_equal(pp_profile_dir("default", out, sizeof out, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "PIPAR_DIR");
    setenv("HOME", tmpdir, 1);
    setenv("PIPAR_DIR", tmpdir, 1);
    snprintf(want, sizeof want, "%s/profile_p", tmpdir);
    assert_int_equal(pp_profile_dir("p", out, sizeof out, &err), 0);
    assert_string_equal(out, want);
}

static void profile_dir_refuses_a_bad_name_or_a_small_buffer(void **state)
{
    (void)state;
    char out[PP_PATH_MAX];
    pp_error err = { 0 };
    assert_int_equal(pp_profile_dir("../x", out, sizeof out, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "profile '../x'");
    char small[8];
    assert_int_equal(pp_profile_dir("default", small, sizeof small, &err),
                     PP_EINVAL);
    assert_contains(err.msg, "too long");
}

static void profile_path_joins_dir_sub_and_file(void **state)
{
    (void)state;
    char out[PP_PATH_MAX], want[PP_PATH_MAX];
    pp_error err = { 0 };
    assert_int_equal(pp_profile_path("default", "security", "engine.json",
                                     out, sizeof out, &err),
                     0);
    snprintf(want, sizeof want, "%s/profile_default/security/engine.json",
             tmpdir);
    assert_string_equal(out, want);
    assert_int_equal(pp_profile_path(".hidden", "security", "engine.json",
                                     out, sizeof out, &err),
                     PP_EINVAL);
    char small[PP_PATH_MAX];
    size_t fits = strlen(want) + 1;
    assert_int_equal(pp_profile_path("default", "security", "engine.json",
                                     small, fits, &err),
                     0);
    assert_int_equal(pp_profile_path("default", "security", "engine.json",
                                     small, fits - 1, &err),
                     PP_EINVAL);
}

static void connection_file_round_trips_at_its_profile_path(void **state)
{
    (void)state;
    char dir[PP_PATH_MAX], path[PP_PATH_MAX];
    pp_error err = { 0 };
    assert_int_equal(pp_profile_dir("default", dir, sizeof dir, &err), 0);
    assert_int_equal(pp_profile_path("default", "security", "client.json",
                                     path, sizeof path, &err),
                     0);
    char sec[PP_PATH_MAX + 16];
    snprintf(sec, sizeof sec, "%s/security", dir);
    assert_int_equal(pp_mkdirs(sec, 0700, &err), 0);
    pp_conninfo ci = sample_conninfo(), back;
    assert_int_equal(pp_conninfo_write(path, &ci, &err), 0);
    assert_int_equal(pp_conninfo_read(path, &back, &err), 0);
    assert_memory_equal(back.key, ci.key, PP_KEY_SIZE);
    assert_int_equal(entries_containing(sec, ".tmp."), 0);
    assert_int_equal(mode_of(path), 0600);
}

/* ---- processes ----------------------------------------------------------- */

static void this_process_is_alive_and_not_a_zombie(void **state)
{
    (void)state;
    assert_true(pp_pid_alive((long)getpid()));
    assert_false(pp_pid_is_zombie((long)getpid()));
    assert_false(pp_pid_alive(0));
    assert_false(pp_pid_alive(-1));
}

#define TMP_TEST(f) cmocka_unit_test_setup_teardown(f, make_tmpdir, remove_tmpdir)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TMP_TEST(connection_file_round_trips_every_field),
        TMP_TEST(connection_file_written_without_events_port_reads_back),
        TMP_TEST(connection_file_without_events_port_reads_it_as_zero),
        TMP_TEST(connection_file_events_port_if_present_must_be_a_port),
        TMP_TEST(connection_file_limits_if_present_must_be_in_range),
        TMP_TEST(connection_file_curve_keys_come_all_three_and_in_z85),
        TMP_TEST(connection_file_is_the_documented_json),
        TMP_TEST(connection_file_is_written_with_mode_0600),
        TMP_TEST(reading_a_missing_connection_file_is_enoent_naming_it),
        TMP_TEST(connection_file_of_invalid_json_is_refused),
        TMP_TEST(connection_file_missing_a_field_is_refused_naming_it),
        TMP_TEST(connection_file_without_controller_pid_is_accepted),
        TMP_TEST(connection_file_key_must_be_sixty_four_hex_digits),
        TMP_TEST(connection_file_key_may_use_capital_hex_digits),
        TMP_TEST(connection_file_ports_must_be_numbers_from_1_to_65535),
        TMP_TEST(connection_file_transport_must_be_tcp),
        TMP_TEST(connection_file_signature_scheme_must_be_hmac_sha256),
        TMP_TEST(connection_file_addresses_must_be_non_empty_strings),
        cmocka_unit_test(endpoint_joins_location_and_port),
        TMP_TEST(atomic_write_creates_the_file_with_its_bytes_and_mode),
        TMP_TEST(atomic_write_replaces_a_file_whole_and_leaves_no_temp_file),
        TMP_TEST(atomic_write_into_a_missing_directory_fails_naming_it),
        TMP_TEST(read_of_a_missing_file_is_enoent_naming_it),
        TMP_TEST(read_returns_a_file_larger_than_its_first_buffer),
        TMP_TEST(read_refuses_a_file_far_larger_than_its_limit),
        TMP_TEST(mkdirs_creates_every_missing_directory),
        cmocka_unit_test(
            profile_names_of_letters_digits_and_punctuation_are_accepted),
        cmocka_unit_test(profile_check_refuses_bad_names),
        TMP_TEST(profile_dir_is_under_pipar_dir),
        TMP_TEST(profile_dir_defaults_to_dot_pipar_in_home),
        TMP_TEST(profile_dir_refuses_a_bad_name_or_a_small_buffer),
        TMP_TEST(profile_path_joins_dir_sub_and_file),
        TMP_TEST(connection_file_round_trips_at_its_profile_path),
        cmocka_unit_test(this_process_is_alive_and_not_a_zombie),
    };
    return cmocka_run_group_tests_name("files", tests, NULL, NULL);
}
