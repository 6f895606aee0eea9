/* pi_pack.c - decimal digits nine to a 32-bit word, for the wire: the
 * conversion's pieces are its biggest results, and a digit a byte is
 * more than twice what they carry. */
#include <inttypes.h>

#include "pi.h"

static const uint32_t POW10[10] = { 1,      10,      100,      1000,
                                    10000,  100000,  1000000,  10000000,
                                    100000000, 1000000000 };

/* "00" to "99": two digits a division. */
static const char PAIRS[] = "00010203040506070809"
                            "10111213141516171819"
                            "20212223242526272829"
                            "30313233343536373839"
                            "40414243444546474849"
                            "50515253545556575859"
                            "60616263646566676869"
                            "70717273747576777879"
                            "80818283848586878889"
                            "90919293949596979899";

uint64_t pp_pi_packed_size(uint64_t n)
{
    return (n + 8) / 9 * 4;
}

void pp_pi_digits_pack(char *buf, uint64_t n)
{
    unsigned char *out = (unsigned char *)buf;
    for (uint64_t at = 0, j = 0; at < n; at += 9, j++) {
        uint64_t len = n - at < 9 ? n - at : 9;
        uint32_t w = 0;
        for (uint64_t i = 0; i < len; i++)
            w = w * 10 + (uint32_t)(buf[at + i] - '0');
        /* Bytes 4j to 4j + 3 lie below 9j, where the next word's digits
         * start (j = 0: the digits were read above). */
        out[4 * j] = (unsigned char)w;
        out[4 * j + 1] = (unsigned char)(w >> 8);
        out[4 * j + 2] = (unsigned char)(w >> 16);
        out[4 * j + 3] = (unsigned char)(w >> 24);
    }
}

/* Four digits of v < 10000. */
static void four(char *out, uint32_t v)
{
    uint32_t hi = v / 100, lo = v % 100;
    out[0] = PAIRS[2 * hi];
    out[1] = PAIRS[2 * hi + 1];
    out[2] = PAIRS[2 * lo];
    out[3] = PAIRS[2 * lo + 1];
}

int pp_pi_digits_unpack(const uint8_t *in, uint64_t size, uint64_t n,
                        char *out, const char *what, pp_error *err)
{
    if (size != pp_pi_packed_size(n))
        return pp_error_set(err, PP_EPROTO,
                            "%s: %" PRIu64 " bytes of packed digits, not "
                            "the %" PRIu64 " of %" PRIu64 " digits",
                            what, size, pp_pi_packed_size(n), n);
    for (uint64_t at = 0, j = 0; at < n; at += 9, j++) {
        const uint8_t *b = in + 4 * j;
        uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8
                     | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        unsigned len = n - at < 9 ? (unsigned)(n - at) : 9;
        if (w >= POW10[len])
            return pp_error_set(err, PP_EPROTO,
                                "%s: packed word %" PRIu64 " is %" PRIu32
                                ", more than %u digits",
                                what, j, w, len);
        if (len == 9) {
            out[at] = (char)('0' + w / 100000000);
            w %= 100000000;
            four(out + at + 1, w / 10000);
            four(out + at + 5, w % 10000);
            continue;
        }
        for (unsigned i = len; i-- > 0; w /= 10)
            out[at + i] = (char)('0' + w % 10);
    }
    return 0;
}
