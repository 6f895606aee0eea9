/* sign.c - HMAC-SHA256 signing with OpenSSL's SHA-256, which uses the
 * CPU's SHA instructions where it has them (x86 SHA-NI, ARMv8 crypto
 * extensions).
 *
 * The HMAC is built here from the SHA-256 block function with the inner and
 * outer pads hashed once per key: most pipar messages are a few hundred
 * bytes, and every one is signed twice (values and seal) and checked twice
 * at each hop, so the per-call cost of OpenSSL's EVP_MAC layer (a context
 * copy, allocations, provider dispatch) was most of the signing time.  The
 * unit tests compare every result with OpenSSL's own HMAC(). */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP,
 * whose per-call overhead is what this file avoids; they stay supported. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sign.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

struct pp_signer {
    SHA256_CTX inner; /* after the key xor ipad block */
    SHA256_CTX outer; /* after the key xor opad block */
    uint64_t session;
    uint64_t counter;
    double window_s;
    pp_replay *seen;
};

static uint64_t random_session(void)
{
    uint64_t s = 0;
    while (s == 0)
        if (getrandom(&s, sizeof s, 0) != sizeof s)
            s = 0;
    return s;
}

pp_signer *pp_signer_new(const uint8_t *key, size_t key_size, pp_error *err)
{
    pp_signer *s = calloc(1, sizeof *s);
    if (!s) {
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    s->session = random_session();
    s->window_s = PP_CLOCK_WINDOW_S;
    s->seen = pp_replay_new(s->window_s);
    if (!s->seen) {
        free(s);
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    /* RFC 2104: a key longer than the block is hashed first (not with
     * the one-shot SHA256(), which in OpenSSL 3 goes through EVP and
     * would bring its providers into the driver's static link). */
    uint8_t block[SHA256_CBLOCK] = { 0 };
    if (key_size > sizeof block) {
        SHA256_CTX kctx;
        SHA256_Init(&kctx);
        SHA256_Update(&kctx, key, key_size);
        SHA256_Final(block, &kctx);
        OPENSSL_cleanse(&kctx, sizeof kctx);
    } else
        memcpy(block, key, key_size);
    uint8_t pad[SHA256_CBLOCK];
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = block[i] ^ 0x36;
    SHA256_Init(&s->inner);
    SHA256_Update(&s->inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&s->outer);
    SHA256_Update(&s->outer, pad, sizeof pad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(pad, sizeof pad);
    return s;
}

void pp_signer_destroy(pp_signer **signer_p)
{
    pp_signer *s = *signer_p;
    if (!s)
        return;
    pp_replay_destroy(&s->seen);
    OPENSSL_cleanse(s, sizeof *s);
    free(s);
    *signer_p = NULL;
}

int pp_sign(pp_signer *s, const pp_span *frames, size_t count,
            uint8_t sig[PP_SIG_SIZE])
{
    SHA256_CTX c = s->inner;
    for (size_t i = 0; i < count; i++) {
        uint64_t len = frames[i].size;
        SHA256_Update(&c, &len, sizeof len);
        if (len)
            SHA256_Update(&c, frames[i].data, len);
    }
    uint8_t inner[SHA256_DIGEST_LENGTH];
    SHA256_Final(inner, &c);
    c = s->outer;
    SHA256_Update(&c, inner, sizeof inner);
    SHA256_Final(sig, &c);
    return 0;
}

int pp_verify(pp_signer *s, const pp_span *frames, size_t count,
              const uint8_t *sig, size_t sig_size)
{
    uint8_t want[PP_SIG_SIZE];
    if (sig_size != PP_SIG_SIZE || pp_sign(s, frames, count, want))
        return PP_EPROTO;
    return CRYPTO_memcmp(want, sig, PP_SIG_SIZE) ? PP_EPROTO : 0;
}

void pp_signer_stamp(pp_signer *s, pp_stamp *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* A session ends before its counter could wrap into stamps already
     * used. */
    if (++s->counter == 0) {
        s->session = random_session();
        s->counter = 1;
    }
    out->session = s->session;
    out->counter = s->counter;
    out->t_sent = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

pp_replay_verdict pp_signer_admit(pp_signer *s, const pp_stamp *st)
{
    struct timespec wall, mono;
    clock_gettime(CLOCK_REALTIME, &wall);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    return pp_replay_check(s->seen, st,
                           (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec,
                           (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec);
}

void pp_signer_set_clock_window(pp_signer *s, double seconds)
{
    s->window_s = seconds;
    pp_replay_set_window(s->seen, seconds);
}

double pp_signer_clock_window(const pp_signer *s)
{
    return s->window_s;
}

pp_replay_counts pp_signer_refused(const pp_signer *s)
{
    return pp_replay_counted(s->seen);
}

int pp_key_generate(uint8_t key[PP_KEY_SIZE], pp_error *err)
{
    /* The kernel's generator is what OpenSSL's would seed from; asking it
     * directly keeps OpenSSL's random machinery out of the controller. */
    size_t got = 0;
    while (got < PP_KEY_SIZE) {
        ssize_t n = getrandom(key + got, PP_KEY_SIZE - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return pp_error_set(err, PP_EIO, "no random bytes for a key");
        got += (size_t)n;
    }
    return 0;
}
