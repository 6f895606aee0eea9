/* heap.h - malloc settings for the processes that receive big messages
 * (the controller and the engines).
 *
 * ZeroMQ mallocs one buffer per message it receives, the size of the
 * message, and the receiver frees it when done.  glibc serves a buffer
 * that big from a fresh mmap and gives it back with munmap, so every 4 KiB
 * page of every message is faulted in and zeroed by the kernel again: on
 * a virtual machine that costs more than moving the bytes (bench/run's
 * "fresh memory" ceiling).  pp_heap_keep has buffers of up to 32 MiB (16
 * MiB on 32-bit hosts: glibc's limit) come from the heap instead, and
 * freed ones stay there, so the next message reuses pages already
 * touched; pp_heap_trim gives what is kept back to the system, for a
 * moment with nothing to do.  Both do nothing without glibc. */
#ifndef PP_HEAP_H
#define PP_HEAP_H

#include <stdbool.h>

/* Call before any thread starts (before the ZeroMQ context).  one_arena:
 * every thread allocates from the main heap, so a buffer ZeroMQ's I/O
 * thread allocated and the main thread freed is found by the next
 * message however many were held at once (a process whose threads do not
 * allocate much at the same time: the controller). */
void pp_heap_keep(bool one_arena);

/* Returns the free memory the heap kept to the system.  Costs a pass over
 * the heap's free lists: call it when idle, not per message. */
void pp_heap_trim(void);

#endif
