/* pairs.c - the pair-counting kernel and the chunk arithmetic.
 *
 * The kernel reads two ASCII digits at once as a 16-bit index into a table
 * of pair numbers (100 marks a byte that is no digit), and spreads its
 * increments over four count tables so that consecutive equal pairs do not
 * wait on each other's stores.  Validation costs nothing extra: a bad byte
 * lands in slot 100 and is looked for only when that slot is not empty. */
#include "pairs.h"

#include <pthread.h>
#include <string.h>

static uint8_t pair_of[65536];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void)
{
    memset(pair_of, 100, sizeof pair_of);
    for (int a = 0; a < 10; a++)
        for (int b = 0; b < 10; b++) {
            /* Little-endian: the first digit is the low byte. */
            uint16_t two = (uint16_t)(('0' + a) | (('0' + b) << 8));
            pair_of[two] = (uint8_t)(10 * a + b);
        }
}

static inline unsigned pair_at(const char *p)
{
    uint16_t two;
    memcpy(&two, p, sizeof two); /* unaligned loads, defined */
    return pair_of[two];
}

static int bad_byte(const char *digits, size_t n, pp_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return pp_error_set(err, PP_EINVAL,
                                "pairs: byte %zu is 0x%02x, not a digit", i,
                                (unsigned char)digits[i]);
    return pp_error_set(err, PP_EINVAL, "pairs: a byte is not a digit");
}

int pp_pairs_count(const char *digits, size_t n, uint64_t counts[100],
                   pp_error *err)
{
    if (n < 2) {
        if (n == 1 && (digits[0] < '0' || digits[0] > '9'))
            return bad_byte(digits, n, err);
        return 0;
    }
    pthread_once(&table_once, build_table);
    /* 32-bit counters are flushed before they could overflow. */
    enum { BLOCK = 1u << 30 };
    uint64_t total[101] = { 0 };
    size_t pairs = n - 1;
    for (size_t base = 0; base < pairs; base += BLOCK) {
        size_t end = pairs - base < BLOCK ? pairs : base + BLOCK;
        uint32_t c[4][104] = { { 0 } };
        size_t i = base;
        for (; i + 8 <= end; i += 8) {
            c[0][pair_at(digits + i)]++;
            c[1][pair_at(digits + i + 1)]++;
            c[2][pair_at(digits + i + 2)]++;
            c[3][pair_at(digits + i + 3)]++;
            c[0][pair_at(digits + i + 4)]++;
            c[1][pair_at(digits + i + 5)]++;
            c[2][pair_at(digits + i + 6)]++;
            c[3][pair_at(digits + i + 7)]++;
        }
        for (; i < end; i++)
            c[0][pair_at(digits + i)]++;
        for (int k = 0; k <= 100; k++)
            total[k] += (uint64_t)c[0][k] + c[1][k] + c[2][k] + c[3][k];
    }
    if (total[100])
        return bad_byte(digits, n, err);
    for (int k = 0; k < 100; k++)
        counts[k] += total[k];
    return 0;
}

int pp_pairs_count_naive(const char *digits, size_t n, uint64_t counts[100],
                         pp_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (digits[i] < '0' || digits[i] > '9')
            return bad_byte(digits, n, err);
    for (size_t i = 0; i + 1 < n; i++)
        counts[(digits[i] - '0') * 10 + (digits[i + 1] - '0')]++;
    return 0;
}

size_t pp_pairs_chunks(uint64_t ndigits, uint64_t chunk)
{
    if (ndigits < 2 || chunk == 0)
        return 0;
    return (size_t)((ndigits - 1 + chunk - 1) / chunk);
}

void pp_pairs_chunk(uint64_t ndigits, uint64_t chunk, size_t i,
                    uint64_t *offset, uint64_t *length)
{
    uint64_t pairs = ndigits < 2 ? 0 : ndigits - 1;
    uint64_t lo = (uint64_t)i * chunk;
    uint64_t hi = lo + chunk < pairs ? lo + chunk : pairs;
    if (lo >= pairs) {
        *offset = pairs;
        *length = 0;
        return;
    }
    *offset = lo;
    *length = hi - lo + 1; /* the pairs' first digits, and one more */
}
