/* test_sign.c - HMAC-SHA256 over framed messages, checked against OpenSSL's
 * one-shot HMAC() computed independently here. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

#include "sign.h"
#include "unit.h"

static const uint8_t key_a[PP_KEY_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const uint8_t key_b[PP_KEY_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x20,
};

/* HMAC-SHA256(key, for each frame: 8-byte little-endian length || bytes),
 * built as one buffer and signed with OpenSSL's one-shot HMAC(). */
static void reference_sign(const uint8_t *key, size_t key_size,
                           const pp_span *frames, size_t count,
                           uint8_t out[PP_SIG_SIZE])
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += 8 + frames[i].size;
    uint8_t *buf = malloc(total ? total : 1);
    assert_non_null(buf);
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t len = frames[i].size;
        for (int b = 0; b < 8; b++)
            buf[at++] = (uint8_t)(len >> (8 * b));
        if (frames[i].size)
            memcpy(buf + at, frames[i].data, frames[i].size);
        at += frames[i].size;
    }
    unsigned int out_len = 0;
    assert_non_null(HMAC(EVP_sha256(), key, (int)key_size, buf, total, out,
                         &out_len));
    assert_int_equal(out_len, PP_SIG_SIZE);
    free(buf);
}

static int make_signer(void **state)
{
    pp_error err = { 0 };
    pp_signer *s = pp_signer_new(key_a, sizeof key_a, &err);
    if (!s)
        return -1;
    *state = s;
    return 0;
}

static int destroy_signer(void **state)
{
    pp_signer *s = *state;
    pp_signer_destroy(&s);
    return 0;
}

static void one_frame_signature_equals_one_shot_hmac_of_length_and_data(
    void **state)
{
    pp_signer *s = *state;
    static const char text[] = "The quick brown fox jumps over the lazy dog";
    pp_span frame = { text, sizeof text - 1 };
    uint8_t got[PP_SIG_SIZE], want[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &frame, 1, got), 0);
    reference_sign(key_a, sizeof key_a, &frame, 1, want);
    assert_memory_equal(got, want, PP_SIG_SIZE);
}

/* RFC 2104: a key longer than SHA-256's 64-byte block is hashed first; one
 * of exactly 64 bytes is used as it is.  pipar's own keys are 32 bytes, so
 * only a connection file's longer key takes this path. */
static void keys_of_64_and_of_100_bytes_sign_as_one_shot_hmac(void **state)
{
    (void)state;
    static const char text[] = "The quick brown fox jumps over the lazy dog";
    pp_span frame = { text, sizeof text - 1 };
    uint8_t key[100];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(7 * i + 1);
    static const size_t sizes[] = { 64, 65, 100 };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        pp_error err = { 0 };
        pp_signer *s = pp_signer_new(key, sizes[k], &err);
        assert_non_null(s);
        uint8_t got[PP_SIG_SIZE], want[PP_SIG_SIZE];
        assert_int_equal(pp_sign(s, &frame, 1, got), 0);
        reference_sign(key, sizes[k], &frame, 1, want);
        assert_memory_equal(got, want, PP_SIG_SIZE);
        pp_signer_destroy(&s);
    }
}

static void signature_of_an_empty_frame_covers_its_zero_length(void **state)
{
    pp_signer *s = *state;
    pp_span empty = { NULL, 0 };
    uint8_t got[PP_SIG_SIZE], want[PP_SIG_SIZE], none[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &empty, 1, got), 0);
    reference_sign(key_a, sizeof key_a, &empty, 1, want);
    assert_memory_equal(got, want, PP_SIG_SIZE);
    /* No frame at all is a different message from one empty frame. */
    assert_int_equal(pp_sign(s, NULL, 0, none), 0);
    assert_memory_not_equal(got, none, PP_SIG_SIZE);
}

static void many_frame_signature_equals_one_shot_hmac(void **state)
{
    pp_signer *s = *state;
    uint8_t big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    pp_span frames[] = {
        { "header", 6 }, { big, sizeof big }, { "", 0 }, { "\0\1\2", 3 },
    };
    uint8_t got[PP_SIG_SIZE], want[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, frames, 4, got), 0);
    reference_sign(key_a, sizeof key_a, frames, 4, want);
    assert_memory_equal(got, want, PP_SIG_SIZE);
}

static void one_signer_signs_the_same_message_the_same_way_twice(
    void **state)
{
    pp_signer *s = *state;
    pp_span a = { "first", 5 }, b = { "second", 6 };
    uint8_t s1[PP_SIG_SIZE], s2[PP_SIG_SIZE], s3[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &a, 1, s1), 0);
    assert_int_equal(pp_sign(s, &b, 1, s2), 0);
    assert_int_equal(pp_sign(s, &a, 1, s3), 0);
    /* Signing b in between leaves nothing behind in the signer. */
    assert_memory_equal(s1, s3, PP_SIG_SIZE);
    assert_memory_not_equal(s1, s2, PP_SIG_SIZE);
}

static void verify_accepts_the_signature_it_made(void **state)
{
    pp_signer *s = *state;
    pp_span frames[] = { { "head", 4 }, { "value", 5 } };
    uint8_t sig[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, frames, 2, sig), 0);
    assert_int_equal(pp_verify(s, frames, 2, sig, sizeof sig), 0);
}

static void verify_rejects_any_flipped_bit_of_the_signature(void **state)
{
    pp_signer *s = *state;
    pp_span frame = { "payload", 7 };
    uint8_t sig[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &frame, 1, sig), 0);
    for (int bit = 0; bit < 8 * PP_SIG_SIZE; bit++) {
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_int_equal(pp_verify(s, &frame, 1, sig, sizeof sig),
                         PP_EPROTO);
        sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    assert_int_equal(pp_verify(s, &frame, 1, sig, sizeof sig), 0);
}

static void verify_rejects_a_flipped_bit_of_the_data(void **state)
{
    pp_signer *s = *state;
    uint8_t data[16] = "sixteen bytes!!";
    pp_span frame = { data, sizeof data };
    uint8_t sig[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &frame, 1, sig), 0);
    data[5] ^= 0x10;
    assert_int_equal(pp_verify(s, &frame, 1, sig, sizeof sig), PP_EPROTO);
}

static void verify_rejects_a_signature_made_with_another_key(void **state)
{
    pp_signer *s = *state;
    pp_error err = { 0 };
    pp_signer *other = pp_signer_new(key_b, sizeof key_b, &err);
    assert_non_null(other);
    pp_span frame = { "payload", 7 };
    uint8_t sig_a[PP_SIG_SIZE], sig_b[PP_SIG_SIZE], want_b[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &frame, 1, sig_a), 0);
    assert_int_equal(pp_sign(other, &frame, 1, sig_b), 0);
    reference_sign(key_b, sizeof key_b, &frame, 1, want_b);
    assert_memory_equal(sig_b, want_b, PP_SIG_SIZE);
    assert_memory_not_equal(sig_a, sig_b, PP_SIG_SIZE);
    assert_int_equal(pp_verify(s, &frame, 1, sig_b, sizeof sig_b),
                     PP_EPROTO);
    assert_int_equal(pp_verify(other, &frame, 1, sig_a, sizeof sig_a),
                     PP_EPROTO);
    pp_signer_destroy(&other);
    assert_null(other);
}

static void verify_rejects_a_short_or_long_signature(void **state)
{
    pp_signer *s = *state;
    pp_span frame = { "payload", 7 };
    uint8_t sig[PP_SIG_SIZE + 1] = { 0 };
    assert_int_equal(pp_sign(s, &frame, 1, sig), 0);
    assert_int_equal(pp_verify(s, &frame, 1, sig, PP_SIG_SIZE - 1),
                     PP_EPROTO);
    assert_int_equal(pp_verify(s, &frame, 1, sig, 16), PP_EPROTO);
    assert_int_equal(pp_verify(s, &frame, 1, sig, 0), PP_EPROTO);
    assert_int_equal(pp_verify(s, &frame, 1, NULL, 0), PP_EPROTO);
    assert_int_equal(pp_verify(s, &frame, 1, sig, PP_SIG_SIZE + 1),
                     PP_EPROTO);
    assert_int_equal(pp_verify(s, &frame, 1, sig, PP_SIG_SIZE), 0);
}

static void signature_changes_when_a_byte_moves_between_frames(void **state)
{
    pp_signer *s = *state;
    /* "ab" | "c" and "a" | "bc" concatenate to the same bytes. */
    pp_span first[] = { { "ab", 2 }, { "c", 1 } };
    pp_span moved[] = { { "a", 1 }, { "bc", 2 } };
    pp_span joined[] = { { "abc", 3 } };
    uint8_t s1[PP_SIG_SIZE], s2[PP_SIG_SIZE], s3[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, first, 2, s1), 0);
    assert_int_equal(pp_sign(s, moved, 2, s2), 0);
    assert_int_equal(pp_sign(s, joined, 1, s3), 0);
    assert_memory_not_equal(s1, s2, PP_SIG_SIZE);
    assert_memory_not_equal(s1, s3, PP_SIG_SIZE);
    assert_memory_not_equal(s2, s3, PP_SIG_SIZE);
    assert_int_equal(pp_verify(s, moved, 2, s1, PP_SIG_SIZE), PP_EPROTO);
}

static void signature_changes_when_frames_swap_places(void **state)
{
    pp_signer *s = *state;
    pp_span ab[] = { { "a", 1 }, { "b", 1 } };
    pp_span ba[] = { { "b", 1 }, { "a", 1 } };
    uint8_t s1[PP_SIG_SIZE], s2[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, ab, 2, s1), 0);
    assert_int_equal(pp_sign(s, ba, 2, s2), 0);
    assert_memory_not_equal(s1, s2, PP_SIG_SIZE);
}

static void signer_copies_its_key(void **state)
{
    (void)state;
    uint8_t key[PP_KEY_SIZE];
    memcpy(key, key_a, sizeof key);
    pp_error err = { 0 };
    pp_signer *s = pp_signer_new(key, sizeof key, &err);
    assert_non_null(s);
    memset(key, 0xff, sizeof key); /* the signer must not see this */
    pp_span frame = { "x", 1 };
    uint8_t got[PP_SIG_SIZE], want[PP_SIG_SIZE];
    assert_int_equal(pp_sign(s, &frame, 1, got), 0);
    reference_sign(key_a, sizeof key_a, &frame, 1, want);
    assert_memory_equal(got, want, PP_SIG_SIZE);
    pp_signer_destroy(&s);
    pp_signer_destroy(&s); /* NULL already: a no-op */
}

static void key_generate_gives_different_keys_twice(void **state)
{
    (void)state;
    uint8_t k1[PP_KEY_SIZE], k2[PP_KEY_SIZE];
    pp_error err = { 0 };
    assert_int_equal(pp_key_generate(k1, &err), 0);
    assert_int_equal(pp_key_generate(k2, &err), 0);
    assert_memory_not_equal(k1, k2, PP_KEY_SIZE);
    static const uint8_t zero[PP_KEY_SIZE];
    assert_memory_not_equal(k1, zero, PP_KEY_SIZE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            one_frame_signature_equals_one_shot_hmac_of_length_and_data,
            make_signer, destroy_signer),
        cmocka_unit_test_setup_teardown(
            signature_of_an_empty_frame_covers_its_zero_length, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            many_frame_signature_equals_one_shot_hmac, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            one_signer_signs_the_same_message_the_same_way_twice,
            make_signer, destroy_signer),
        cmocka_unit_test_setup_teardown(verify_accepts_the_signature_it_made,
                                        make_signer, destroy_signer),
        cmocka_unit_test_setup_teardown(
            verify_rejects_any_flipped_bit_of_the_signature, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            verify_rejects_a_flipped_bit_of_the_data, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            verify_rejects_a_signature_made_with_another_key, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            verify_rejects_a_short_or_long_signature, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            signature_changes_when_a_byte_moves_between_frames, make_signer,
            destroy_signer),
        cmocka_unit_test_setup_teardown(
            signature_changes_when_frames_swap_places, make_signer,
            destroy_signer),
        cmocka_unit_test(signer_copies_its_key),
        cmocka_unit_test(keys_of_64_and_of_100_bytes_sign_as_one_shot_hmac),
        cmocka_unit_test(key_generate_gives_different_keys_twice),
    };
    return cmocka_run_group_tests_name("sign", tests, NULL, NULL);
}
