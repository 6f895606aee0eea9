/* pairs.c - the pair-counting kernel and the chunk arithmetic.
 *
 * The kernel reads two ASCII digits at once as a 16-bit index into count
 * tables, and spreads its increments over four of them so that
 * consecutive equal pairs do not wait on each other's stores.  Validation
 * costs nothing in the loop: a bad byte lands at an index that is no pair
 * (pair number 100 in pair_of) and is looked for only when one is set. */
#include "pairs.h"

#include <pthread.h>
#include <stdlib.h>
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

/* The cell of the two bytes at p: "00" is cell 0, "99" cell 0x909. */
static inline uint16_t cell(const char *p)
{
    uint16_t two;
    memcpy(&two, p, sizeof two); /* unaligned loads, defined */
    return (uint16_t)(two - 0x3030);
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
    /* Below this many pairs the 1 MB of tables costs more than it saves. */
    if (n < (1u << 16)) {
        uint64_t c[101] = { 0 };
        for (size_t i = 0; i + 1 < n; i++)
            c[pair_at(digits + i)]++;
        if (c[100])
            return bad_byte(digits, n, err);
        for (int k = 0; k < 100; k++)
            counts[k] += c[k];
        return 0;
    }
    /* Four tables indexed by the two bytes themselves, less "00", so that
     * the hundred pairs of digits fall in the first 2314 cells of each
     * (a few KB, in L1), and the tables are staggered so those cells do
     * not share cache sets.  One load and one increment a position, no
     * lookup in between; folded into pairs at the end, where a cell that
     * is no pair means a byte that is no digit.  32-bit cells are folded
     * before they could overflow. */
    enum { STRIDE = 65536 + 2400, BLOCK = 1u << 30 };
    uint32_t *c = calloc(4 * (size_t)STRIDE, sizeof *c);
    if (!c)
        return pp_error_set(err, PP_ENOMEM, "pairs: out of memory");
    uint32_t *c0 = c, *c1 = c + STRIDE, *c2 = c + 2 * STRIDE,
             *c3 = c + 3 * STRIDE;
    uint64_t total[101] = { 0 };
    size_t pairs = n - 1;
    for (size_t base = 0; base < pairs; base += BLOCK) {
        size_t end = pairs - base < BLOCK ? pairs : base + BLOCK;
        size_t i = base;
        for (; i + 4 <= end; i += 4) {
            c0[cell(digits + i)]++;
            c1[cell(digits + i + 1)]++;
            c2[cell(digits + i + 2)]++;
            c3[cell(digits + i + 3)]++;
        }
        for (; i < end; i++)
            c0[cell(digits + i)]++;
        for (uint32_t w = 0; w < 65536; w++) {
            uint16_t x = (uint16_t)(w - 0x3030);
            uint64_t sum = (uint64_t)c0[x] + c1[x] + c2[x] + c3[x];
            if (sum)
                total[pair_of[w]] += sum;
        }
        if (end < pairs)
            memset(c, 0, 4 * (size_t)STRIDE * sizeof *c);
    }
    free(c);
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
