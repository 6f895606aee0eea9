/* sign.h - HMAC-SHA256 over the frames of a message.
 *
 * Each frame's length goes into the MAC before its bytes, so bytes cannot be
 * moved from one frame to the next without breaking the signature.  A signer
 * is not thread-safe: each thread that signs makes its own. */
#ifndef PP_SIGN_H
#define PP_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "pipar/error.h"
#include "replay.h"

#define PP_SIG_SIZE 32
#define PP_KEY_SIZE 32

typedef struct pp_signer pp_signer;

typedef struct pp_span {
    const void *data;
    size_t size;
} pp_span;

/* Caller owns the signer and ends it with pp_signer_destroy.  The key is
 * copied.  Returns NULL (with err set) if the crypto library refuses. */
pp_signer *pp_signer_new(const uint8_t *key, size_t key_size, pp_error *err);
void pp_signer_destroy(pp_signer **signer_p);

int pp_sign(pp_signer *signer, const pp_span *frames, size_t count,
            uint8_t sig[PP_SIG_SIZE]);

/* 0 when sig matches, PP_EPROTO otherwise; compares in constant time. */
int pp_verify(pp_signer *signer, const pp_span *frames, size_t count,
              const uint8_t *sig, size_t sig_size);

/* Each signer is also one sender session and one receiver's memory
 * (replay.h): pp_signer_stamp gives the stamp for the next message it
 * sends; pp_signer_admit accepts each received stamp once, within the
 * clock window (PP_CLOCK_WINDOW_S unless set). */
#define PP_CLOCK_WINDOW_S 300.0
void pp_signer_stamp(pp_signer *signer, pp_stamp *out);
pp_replay_verdict pp_signer_admit(pp_signer *signer, const pp_stamp *st);
void pp_signer_set_clock_window(pp_signer *signer, double seconds);
double pp_signer_clock_window(const pp_signer *signer);
/* Safe to call from another thread than the signer's. */
pp_replay_counts pp_signer_refused(const pp_signer *signer);

/* Fills key with PP_KEY_SIZE random bytes from the kernel. */
int pp_key_generate(uint8_t key[PP_KEY_SIZE], pp_error *err);

#endif
