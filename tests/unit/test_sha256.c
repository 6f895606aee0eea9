/* test_sha256.c - SHA-256 of buffers and files against the FIPS 180-2
 * example digests, a file hashed whole, by a prefix and across the 1 MB
 * reads, and the errors of a missing or short file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sha256.h"
#include "unit.h"

static char dir[512];

static int make_dir(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pipar-test-sha256-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/f", dir);
    unlink(path);
    return rmdir(dir);
}

/* Writes size bytes of data to dir/f; the path into path. */
static void write_file(const void *data, size_t size, char path[600])
{
    snprintf(path, 600, "%s/f", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void buffers_hash_to_the_fips_examples(void **state)
{
    (void)state;
    char hex[PP_SHA256_HEX];
    pp_error err = { 0 };
    assert_int_equal(pp_sha256_buf("abc", 3, hex, &err), 0);
    assert_string_equal(
        hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(pp_sha256_buf("", 0, hex, &err), 0);
    assert_string_equal(
        hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static const char two_blocks[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    assert_int_equal(
        pp_sha256_buf(two_blocks, sizeof two_blocks - 1, hex, &err), 0);
    assert_string_equal(
        hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* One million 'a': the FIPS long example, hashed from a file whole (more
 * than one 1 MB read) and as the buffer it was written from. */
static void a_million_a_hash_alike_from_file_and_buffer(void **state)
{
    (void)state;
    enum { N = 1000000 };
    char *a = malloc(N);
    assert_non_null(a);
    memset(a, 'a', N);
    char path[600], from_file[PP_SHA256_HEX], from_buf[PP_SHA256_HEX];
    write_file(a, N, path);
    pp_error err = { 0 };
    assert_int_equal(pp_sha256_file(path, (size_t)-1, from_file, &err), 0);
    assert_string_equal(
        from_file,
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    assert_int_equal(pp_sha256_buf(a, N, from_buf, &err), 0);
    assert_string_equal(from_buf, from_file);
    free(a);
}

/* A size hashes that many bytes from the start; the rest is not read. */
static void a_prefix_of_a_file_hashes_as_that_prefix(void **state)
{
    (void)state;
    char path[600], hex[PP_SHA256_HEX];
    write_file("abcdef", 6, path);
    pp_error err = { 0 };
    assert_int_equal(pp_sha256_file(path, 3, hex, &err), 0);
    assert_string_equal(
        hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void a_short_or_missing_file_is_an_error_naming_it(void **state)
{
    (void)state;
    char path[600], hex[PP_SHA256_HEX];
    write_file("abc", 3, path);
    pp_error err = { 0 };
    assert_int_equal(pp_sha256_file(path, 4, hex, &err), PP_EIO);
    char want[700];
    snprintf(want, sizeof want, "%s is shorter than 4 bytes", path);
    assert_string_equal(err.msg, want);

    char missing[620];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(pp_sha256_file(missing, (size_t)-1, hex, &err),
                     PP_ENOENT);
    snprintf(want, sizeof want, "cannot read %s: No such file or directory",
             missing);
    assert_string_equal(err.msg, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffers_hash_to_the_fips_examples),
        cmocka_unit_test(a_million_a_hash_alike_from_file_and_buffer),
        cmocka_unit_test(a_prefix_of_a_file_hashes_as_that_prefix),
        cmocka_unit_test(a_short_or_missing_file_is_an_error_naming_it),
    };
    return cmocka_run_group_tests_name("sha256", tests, make_dir,
                                       remove_dir);
}
