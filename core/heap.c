/* heap.c - see heap.h. */
#include "heap.h"

#include <stdlib.h> /* defines __GLIBC__ under glibc */
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void pp_heap_keep(bool one_arena)
{
#if defined(__GLIBC__)
    /* glibc refuses thresholds above half its heap size (64 MiB on 64-bit
     * hosts, 32 MiB on 32-bit ones); bigger messages stay on mmap. */
    int threshold = (int)(4 * 1024 * 1024 * sizeof(long));
    mallopt(M_MMAP_THRESHOLD, threshold);
    /* Free memory at the top of the heap stays, up to this much, until
     * pp_heap_trim; without it glibc gives it back at each free. */
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    if (one_arena)
        mallopt(M_ARENA_MAX, 1);
#else
    (void)one_arena;
#endif
}

void pp_heap_trim(void)
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
