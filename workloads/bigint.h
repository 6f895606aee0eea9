/* bigint.h - big integers on the wire: a value of type PP_T_BIGINT is a
 * sign word then the magnitude's GMP limbs, least significant first, all
 * little-endian 64-bit words (docs/protocol.md).  Zero is the sign word 0
 * alone; any other number is sign -1 or 1 then its limbs, the last one not
 * zero, so every number has exactly one encoding.
 *
 * Ownership: export fills a value that owns its bytes (free it with
 * pp_value_free); import reads a value it does not keep, into an mpz_t the
 * caller has initialised and will clear. */
#ifndef PP_BIGINT_H
#define PP_BIGINT_H

#include <gmp.h>

#include "pipar/error.h"
#include "pipar/value.h"

/* out = z.  Returns 0 or PP_ENOMEM (out is then PP_T_NONE). */
int pp_bigint_export(const mpz_t z, pp_value *out, pp_error *err);

/* z = the number in v.  PP_EPROTO for anything but a well-formed bigint:
 * another type, a size that is not a whole number of words, a sign word
 * other than -1, 0 or 1, a zero with a sign or with limbs, a top limb of
 * zero.  z is left unchanged on error. */
int pp_bigint_import(mpz_t z, const pp_value *v, pp_error *err);

#endif
