/* pairs.c - the pair-counting kernel and the chunk arithmetic.
 *
 * Counting a pair costs a load and a store to a table cell, and the naive
 * loop pays that once a digit, after two byte loads and a multiply: about
 * a tenth of memcpy's speed.  The kernel here counts windows of three
 * digits instead, each holding two pairs (half the increments), in one
 * table of 4096 cells folded into pairs at the end, and takes three
 * windows, at bytes 0, 2 and 4, from one 8-byte load; a second load at
 * byte 6 gives the next three, so a loop turn is 12 bytes.  A window's cell
 * is its digits' low nibbles, first | third << 4 | second << 8: the 1000
 * cells in use fit in L1, and no byte of input can index outside the
 * table.  One table is faster than several here: two windows of random
 * digits share a cell one time in a thousand, too seldom for the store of
 * one to hold up the next.  bench/pairs_bench measures it: about 35-40%
 * of memcpy, where four tables of pairs reach about 25%.
 *
 * Validation costs two instructions a word instead of a test a byte: the
 * words are XORed with '0' (a digit becomes 0..9) and ORed together, so a
 * byte whose high nibble is not 3 shows up in the high nibbles of the OR;
 * a byte ':' to '?' (low nibble 10 to 15) sends its window to a cell that
 * is no triple of digits, and the cells of triples then hold fewer windows
 * than were counted.  Only when a check fails is the input scanned byte
 * by byte, to name the offset. */
#include "pairs.h"

#include <string.h>

#define ONES 0x0101010101010101u

enum {
    CELLS = 4096,  /* 12-bit cell numbers */
    GROUP = 12,    /* bytes a loop turn counts: two loads, six windows */
    SMALL = 4096,  /* below this, zeroing and folding cost more than saved */
};

/* 32-bit cells hold a block's windows (BLOCK / 2 < 2^32); the block is a
 * whole number of groups. */
static const size_t BLOCK = (size_t)GROUP << 27;

/* Eight bytes as a little-endian word on any machine: compilers make this
 * one load where that is what it means. */
static inline uint64_t load_le64(const char *p)
{
    const unsigned char *b = (const unsigned char *)p;
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16
           | (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32
           | (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48
           | (uint64_t)b[7] << 56;
}

/* t is eight bytes XOR '0'.  Byte m of the result is nibble m | nibble
 * m+2 << 4, so bits 16k..16k+11 are the cell of the window at byte 2k
 * (k = 0, 1, 2). */
static inline uint64_t spread(uint64_t t)
{
    uint64_t w = t & 0x0F * ONES;
    return w | w >> 12;
}

#define CELL(y, k) ((size_t)((y) >> (16 * (k)) & 0xFFF))

/* Counts the windows at every even offset of d[0..len) (len a multiple of
 * GROUP; reads d[0..len+2)).  Returns the OR of the words XOR '0'. */
static uint64_t count_windows(const char *d, size_t len,
                              uint32_t cells[CELLS])
{
    uint64_t seen = 0;
    for (size_t j = 0; j < len; j += GROUP) {
        uint64_t t = load_le64(d + j) ^ 0x30 * ONES;
        uint64_t u = load_le64(d + j + 6) ^ 0x30 * ONES;
        seen |= t | u;
        uint64_t y = spread(t), z = spread(u);
        cells[CELL(y, 0)]++;
        cells[CELL(y, 1)]++;
        cells[CELL(y, 2)]++;
        cells[CELL(z, 0)]++;
        cells[CELL(z, 1)]++;
        cells[CELL(z, 2)]++;
    }
    return seen;
}

/* Adds the windows' two pairs each to pairs; false when the cells of
 * triples of digits do not hold all `windows` windows. */
static int fold_windows(const uint32_t cells[CELLS], uint64_t windows,
                        uint64_t pairs[100])
{
    uint64_t sum = 0;
    for (unsigned a = 0; a < 10; a++)
        for (unsigned b = 0; b < 10; b++)
            for (unsigned c = 0; c < 10; c++) {
                uint64_t v = cells[a | c << 4 | b << 8];
                pairs[10 * a + b] += v;
                pairs[10 * b + c] += v;
                sum += v;
            }
    return sum == windows;
}

static int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* The pairs starting at [from, n-1), and the check of digits[from..n). */
static int count_rest(const char *digits, size_t from, size_t n,
                      uint64_t pairs[100])
{
    for (size_t i = from; i < n; i++)
        if (!is_digit(digits[i]))
            return 0;
    for (size_t i = from; i + 1 < n; i++)
        pairs[10 * (digits[i] - '0') + (digits[i + 1] - '0')]++;
    return 1;
}

/* Scans for the byte that failed a check, to name it. */
static int bad_byte(const char *digits, size_t n, pp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)digits[i];
        if (is_digit(digits[i]))
            continue;
        if (c >= 0x20 && c < 0x7f)
            return pp_error_set(err, PP_EINVAL,
                                "pairs: byte %zu is '%c' (0x%02x), not a "
                                "digit",
                                i, c, c);
        return pp_error_set(err, PP_EINVAL,
                            "pairs: byte %zu is 0x%02x, not a digit", i, c);
    }
    /* Not reached: a check failed, so some byte is not a digit. */
    return pp_error_set(err, PP_EINVAL, "pairs: a byte is not a digit");
}

int pp_pairs_count(const char *digits, size_t n, uint64_t counts[100],
                   pp_error *err)
{
    /* Counted here first, so that an error leaves counts alone. */
    uint64_t pairs[100] = { 0 };
    size_t done = 0; /* pairs [0, done) are counted */
    if (n >= SMALL) {
        /* Whole groups, each reading two bytes past its last pair. */
        size_t whole = (n - 2) / GROUP * GROUP;
        uint32_t cells[CELLS];
        for (size_t base = 0; base < whole; base += BLOCK) {
            size_t len = whole - base < BLOCK ? whole - base : BLOCK;
            memset(cells, 0, sizeof cells);
            uint64_t seen = count_windows(digits + base, len, cells);
            if ((seen & 0xF0 * ONES) || !fold_windows(cells, len / 2, pairs))
                return bad_byte(digits, n, err);
        }
        done = whole;
    }
    if (!count_rest(digits, done, n, pairs))
        return bad_byte(digits, n, err);
    for (int k = 0; k < 100; k++)
        counts[k] += pairs[k];
    return 0;
}

int pp_pairs_count_naive(const char *digits, size_t n, uint64_t counts[100],
                         pp_error *err)
{
    uint64_t pairs[100] = { 0 };
    if (n > 0 && !is_digit(digits[0]))
        return bad_byte(digits, n, err);
    for (size_t i = 0; i + 1 < n; i++) {
        if (!is_digit(digits[i + 1]))
            return bad_byte(digits, n, err);
        pairs[10 * (digits[i] - '0') + (digits[i + 1] - '0')]++;
    }
    for (int k = 0; k < 100; k++)
        counts[k] += pairs[k];
    return 0;
}

size_t pp_pairs_chunks(uint64_t ndigits, uint64_t chunk)
{
    if (ndigits < 2 || chunk == 0)
        return 0;
    /* ceil((N-1)/chunk) without N-1+chunk-1, which can wrap. */
    return (size_t)((ndigits - 2) / chunk + 1);
}

void pp_pairs_chunk(uint64_t ndigits, uint64_t chunk, size_t i,
                    uint64_t *offset, uint64_t *length)
{
    uint64_t pairs = ndigits < 2 ? 0 : ndigits - 1;
    if (i >= pp_pairs_chunks(ndigits, chunk)) {
        *offset = pairs;
        *length = 0;
        return;
    }
    uint64_t lo = (uint64_t)i * chunk; /* < pairs: i is a chunk */
    uint64_t hi = pairs - lo > chunk ? lo + chunk : pairs;
    *offset = lo;
    *length = hi + 1 - lo; /* the pairs' first digits, and one more */
}
