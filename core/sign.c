/* sign.c - HMAC-SHA256 signing with OpenSSL, which uses the CPU's SHA
 * instructions where it has them (x86 SHA-NI, ARMv8 crypto extensions). */
#include "sign.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

struct pp_signer {
    EVP_MAC *mac;
    EVP_MAC_CTX *ctx; /* keyed once; re-initialised per message */
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
    /* pipar needs one MAC, not openssl.cnf or the error strings; skipping
     * them keeps half a megabyte of libcrypto out of every engine. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG
                            | OPENSSL_INIT_NO_ADD_ALL_CIPHERS
                            | OPENSSL_INIT_NO_ADD_ALL_DIGESTS
                            | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
                        NULL);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    s->session = random_session();
    s->window_s = PP_CLOCK_WINDOW_S;
    s->seen = pp_replay_new(s->window_s);
    if (!s->seen) {
        free(s);
        pp_error_set(err, PP_ENOMEM, "out of memory");
        return NULL;
    }
    s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    s->ctx = s->mac ? EVP_MAC_CTX_new(s->mac) : NULL;
    if (!s->ctx || !EVP_MAC_init(s->ctx, key, key_size, params)) {
        pp_signer_destroy(&s);
        pp_error_set(err, PP_EINVAL, "OpenSSL refused HMAC-SHA256");
        return NULL;
    }
    return s;
}

void pp_signer_destroy(pp_signer **signer_p)
{
    pp_signer *s = *signer_p;
    if (!s)
        return;
    EVP_MAC_CTX_free(s->ctx);
    EVP_MAC_free(s->mac);
    pp_replay_destroy(&s->seen);
    free(s);
    *signer_p = NULL;
}

int pp_sign(pp_signer *s, const pp_span *frames, size_t count,
            uint8_t sig[PP_SIG_SIZE])
{
    /* A NULL key re-initialises with the key already set, which reuses
     * OpenSSL's precomputed inner and outer pads. */
    if (!EVP_MAC_init(s->ctx, NULL, 0, NULL))
        return PP_EPROTO;
    for (size_t i = 0; i < count; i++) {
        uint64_t len = frames[i].size;
        if (!EVP_MAC_update(s->ctx, (const unsigned char *)&len, sizeof len))
            return PP_EPROTO;
        if (len && !EVP_MAC_update(s->ctx, frames[i].data, len))
            return PP_EPROTO;
    }
    size_t out = 0;
    if (!EVP_MAC_final(s->ctx, sig, &out, PP_SIG_SIZE) || out != PP_SIG_SIZE)
        return PP_EPROTO;
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
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return pp_replay_check(s->seen, st,
                           (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
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
