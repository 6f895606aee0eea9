/* test_heap.c - pp_heap_keep serves a message-sized buffer from the heap
 * and keeps it when freed, so the next one reuses its pages;
 * pp_heap_trim gives it back.  glibc only; AddressSanitizer brings an
 * allocator of its own, so there the test is skipped. */
#include "unit.h"

#include <stdlib.h>

#include "heap.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define HEAP_TESTABLE 1
#endif

static void a_freed_message_buffer_is_kept_then_trimmed(void **state)
{
    (void)state;
#ifdef HEAP_TESTABLE
    pp_heap_keep(true);
    size_t size = 10 * 1000 * 1000; /* a task of 10 million digits */
    char *a = malloc(size);
    assert_non_null(a);
    memset(a, 1, size);
    struct mallinfo2 held = mallinfo2();
    assert_true(held.hblkhd < size); /* from the heap, not an mmap */
    free(a);
    struct mallinfo2 kept = mallinfo2();
    assert_true(kept.arena >= held.arena); /* nothing given back */
    assert_true(kept.fordblks >= size);
    char *b = malloc(size);
    assert_ptr_equal(b, a); /* the same pages again */
    free(b);
    pp_heap_trim();
    struct mallinfo2 trimmed = mallinfo2();
    assert_true(trimmed.arena + size <= kept.arena);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_freed_message_buffer_is_kept_then_trimmed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
