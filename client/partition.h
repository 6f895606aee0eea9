/* partition.h - how scatter cuts a sequence into contiguous blocks, as
 * ipyparallel does: the first len % parts blocks get one item more. */
#ifndef PP_PARTITION_H
#define PP_PARTITION_H

#include <stddef.h>

/* Block p of parts over len items is [*lo, *hi); with no parts, empty. */
void pp_partition(size_t len, size_t parts, size_t p, size_t *lo,
                  size_t *hi);

#endif
