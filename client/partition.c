/* partition.c - contiguous blocks for scatter. */
#include "partition.h"

void pp_partition(size_t len, size_t parts, size_t p, size_t *lo, size_t *hi)
{
    if (parts == 0) {
        *lo = *hi = 0; /* no blocks: nothing to hand out */
        return;
    }
    size_t base = len / parts, extra = len % parts;
    if (p < extra) {
        *lo = p * (base + 1);
        *hi = *lo + base + 1;
    } else {
        *lo = p * base + extra;
        *hi = *lo + base;
    }
}
