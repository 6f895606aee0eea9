/* pi_memory.c - where GMP's big numbers live.
 *
 * A pi run allocates and frees the same few sizes of number over and over
 * (each product a fresh block): at 1e7 digits 600 MB of fresh pages for a
 * peak of 59 MB.  glibc hands big blocks to mmap, so every one is paged in
 * again 4 KB at a time, a fault and a clear per page (2 to 14 us on the
 * machines measured; a huge page costs about a quarter as much per byte,
 * and memory touched again is ten times cheaper still).
 *
 * So GMP's big blocks come from here: each its own mapping, aligned to and
 * advised for transparent huge pages (what glibc's hugetlb=1 tunable does,
 * without asking the user to set it), grown in place by mremap, and either
 * kept for the next block or given back to the system when freed, so that
 * the peak stays about what it was (huge pages add 2 to 3 %: a touched
 * huge page is resident whole).  Small blocks stay with malloc.
 *
 * The allocator is process-wide (mp_set_memory_functions, which MPFR
 * follows too): pp_pi_tune_malloc installs it at a program's start. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#ifdef __linux__
#include <sys/mman.h>
#include <pthread.h>
#include <unistd.h>
#endif

#include "pi.h"

/* Blocks from this size on get a mapping of their own: glibc's own mmap
 * threshold as pp_pi_tune_malloc sets it, below which the heap serves. */
#define BIG (1u << 20)

/* In front of each big block: its mapping, so that a free can tell it
 * from a block malloc made (one allocated before the allocator was
 * installed) and unmap the whole of it. */
typedef struct head {
    uint64_t magic;
    void *base;  /* the mapping */
    size_t len;  /* its length */
    uint64_t pad; /* 32 bytes: the limbs stay 16-byte aligned */
} head;

#define MAGIC 0x7069626967626c6bULL /* "pibigblk" */

#ifdef __linux__

static size_t huge_size;

/* The transparent huge page size (2 MB on x86-64 and on arm64 with 4 KB
 * pages); 0 where the kernel has none. */
static size_t read_huge_size(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size",
                    "r");
    if (!f)
        return 0;
    unsigned long long v = 0;
    if (fscanf(f, "%llu", &v) != 1)
        v = 0;
    fclose(f);
    /* A power of two in a sane range, or nothing. */
    if (v < 65536 || v > (1ull << 30) || (v & (v - 1)))
        return 0;
    return (size_t)v;
}

static size_t page_size(void)
{
    static size_t page;
    if (!page) {
        long p = sysconf(_SC_PAGESIZE);
        page = p > 0 ? (size_t)p : 4096;
    }
    return page;
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

static void die(void)
{
    /* GMP aborts the process when memory runs out: so does its allocator
     * (pi.h: the memory estimate is the way to refuse a run). */
    fputs("pi: out of memory\n", stderr);
    abort();
}

/* Asks for huge pages in the whole mapping, not only in the whole huge
 * pages inside it: a mapping cut in two by different advice could not be
 * grown by mremap (EFAULT).  Its ragged end keeps small pages anyway. */
static void advise(void *p, size_t len)
{
    if (huge_size && len >= huge_size)
        madvise(p, len, MADV_HUGEPAGE);
}

/* A mapping of len bytes (a multiple of the page) starting on a huge
 * page: map a huge page more, unmap what sticks out at either end. */
static void *map_aligned(size_t len)
{
    size_t extra = huge_size && len >= huge_size ? huge_size : 0;
    char *p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die();
    if (extra) {
        char *a = (char *)round_up((uintptr_t)p, huge_size);
        if (a > p)
            munmap(p, (size_t)(a - p));
        if (a + len < p + len + extra)
            munmap(a + len, (size_t)(p + len + extra - (a + len)));
        p = a;
    }
    advise(p, len);
    return p;
}

/* Freed big blocks kept for the next ones: memory already paged in costs
 * a tenth of fresh memory to write, and a run frees and allocates the
 * same sizes again and again (each product's FFT scratch, then its
 * result).  A kept block is resized to what is asked (mremap: a shrink
 * gives the tail back, a growth adds fresh pages for the difference
 * only).  The live blocks and the kept ones together stay within three
 * quarters of the most the live ones alone have been: the pool fills the
 * troughs of a run, not its peak (at 1e7 digits keeping up to the whole
 * high mark saved 8 % more faults for 3.5 MB more peak, 6 %).  pp_pi_give_back empties it. */
#define SPARE_MAX 8

typedef struct spare {
    void *base;
    size_t len;
} spare;

static struct {
    pthread_mutex_t lock;
    spare kept[SPARE_MAX];
    size_t n;
    size_t kept_bytes, live_bytes;
    size_t high; /* the most live_bytes has been */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static size_t page_len(size_t size)
{
    return round_up(size + sizeof(head), page_size());
}

static head *set_head(void *base, size_t len)
{
    head *h = base;
    h->magic = MAGIC;
    h->base = base;
    h->len = len;
    return h;
}

/* base's mapping of `was` bytes resized to len. */
static void *resize(void *base, size_t was, size_t len)
{
    if (len == was)
        return base;
    void *n = mremap(base, was, len, MREMAP_MAYMOVE);
    if (n == MAP_FAILED)
        die();
    /* A mapping that has grown to its first huge page is advised now; the
     * others keep their advice through the move. */
    if (was < huge_size)
        advise(n, len);
    return n;
}

/* Takes the kept block that best fits len out of the pool: the smallest
 * that holds it, else the biggest.  Lock held; false when none. */
static bool take(size_t len, spare *out)
{
    if (!pool.n)
        return false;
    size_t best = 0;
    for (size_t i = 1; i < pool.n; i++) {
        size_t l = pool.kept[i].len, b = pool.kept[best].len;
        if (l >= len ? b < len || l < b : b < l)
            best = i;
    }
    *out = pool.kept[best];
    pool.kept[best] = pool.kept[--pool.n];
    pool.kept_bytes -= out->len;
    return true;
}

/* live_bytes grown (or shrunk) from `was` to len; then the blocks that
 * would lift live and kept above the high mark go to `out` to be unmapped.
 * Lock held; returns how many. */
static size_t account(size_t was, size_t len, spare *out)
{
    pool.live_bytes += len;
    pool.live_bytes -= was;
    if (pool.live_bytes > pool.high)
        pool.high = pool.live_bytes;
    size_t n = 0;
    while (pool.n && pool.live_bytes + pool.kept_bytes > pool.high) {
        out[n] = pool.kept[--pool.n];
        pool.kept_bytes -= out[n].len;
        n++;
    }
    return n;
}

static void unmap_all(const spare *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        munmap(s[i].base, s[i].len);
}

static void *big_alloc(size_t size)
{
    size_t len = page_len(size);
    spare got = { NULL, 0 }, gone[SPARE_MAX];
    pthread_mutex_lock(&pool.lock);
    take(len, &got);
    size_t ngone = account(0, len, gone);
    pthread_mutex_unlock(&pool.lock);
    unmap_all(gone, ngone);
    void *base = got.base ? resize(got.base, got.len, len)
                          : map_aligned(len);
    return set_head(base, len) + 1;
}

/* Keeps a freed block if the pool has room, or unmaps it. */
static void big_free(head *h)
{
    spare s = { h->base, h->len };
    h->magic = 0;
    pthread_mutex_lock(&pool.lock);
    pool.live_bytes -= s.len;
    bool keep = pool.n < SPARE_MAX
                && pool.live_bytes + pool.kept_bytes + s.len
                       <= pool.high / 4 * 3;
    if (keep) {
        pool.kept[pool.n++] = s;
        pool.kept_bytes += s.len;
    }
    pthread_mutex_unlock(&pool.lock);
    if (!keep)
        munmap(s.base, s.len);
}

/* The head of a block this file made, or NULL for one of malloc's. */
static head *big_head(void *p, size_t size)
{
    if (size + sizeof(head) < BIG
        || ((uintptr_t)p & (page_size() - 1)) != sizeof(head))
        return NULL;
    head *h = (head *)p - 1;
    return h->magic == MAGIC ? h : NULL;
}

static void *gmp_alloc(size_t size)
{
    if (size + sizeof(head) >= BIG)
        return big_alloc(size);
    void *p = malloc(size);
    if (!p)
        die();
    return p;
}

static void gmp_free(void *p, size_t size)
{
    head *h = big_head(p, size);
    if (h)
        big_free(h);
    else
        free(p);
}

static void *gmp_realloc(void *p, size_t old, size_t size)
{
    head *h = big_head(p, old);
    bool big = size + sizeof(head) >= BIG;
    if (h && big) {
        /* The kernel moves the pages, no copy; a shrink stays put. */
        size_t len = page_len(size), was = h->len;
    
        void *base = resize(h->base, was, len);
        pthread_mutex_lock(&pool.lock);
        pool.live_bytes += len - was;
        pthread_mutex_unlock(&pool.lock);
        return set_head(base, len) + 1;
    }
    if (!h && !big) {
        void *n = realloc(p, size);
        if (!n)
            die();
        return n;
    }
    /* Across the line: a new block, the old one's bytes, the old freed. */
    void *n = gmp_alloc(size);
    memcpy(n, p, old < size ? old : size);
    gmp_free(p, old);
    return n;
}

/* Unmaps the kept blocks. */
static void drop_spares(void)
{
    spare kept[SPARE_MAX];
    pthread_mutex_lock(&pool.lock);
    size_t n = pool.n;
    memcpy(kept, pool.kept, sizeof kept);
    pool.n = 0;
    pool.kept_bytes = 0;
    pthread_mutex_unlock(&pool.lock);
    unmap_all(kept, n);
}

static void install(void)
{
    huge_size = read_huge_size();
    mp_set_memory_functions(gmp_alloc, gmp_realloc, gmp_free);
}

void pp_pi_memory_stats(pp_pi_memory *m)
{
    pthread_mutex_lock(&pool.lock);
    m->live = pool.live_bytes;
    m->kept = pool.kept_bytes;
    m->high = pool.high;
    pthread_mutex_unlock(&pool.lock);
}

#else

static void install(void)
{
}

void pp_pi_memory_stats(pp_pi_memory *m)
{
    memset(m, 0, sizeof *m);
}

static void drop_spares(void)
{
}

#endif

void pp_pi_tune_malloc(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, BIG);
    /* Setting the mmap threshold freezes the trim threshold at 128 KB, and
     * the heap then gives back its top after nearly every product of the
     * series' lower levels and pages it in again for the next: twice the
     * mmap threshold is what glibc's own sliding thresholds would pick.
     * 2e7 digits: 133 thousand page faults instead of 148 thousand, the
     * same peak (8 MB: 122 thousand, 0.3 MB more peak). */
    mallopt(M_TRIM_THRESHOLD, 2 * BIG);
#endif
    install();
}

void pp_pi_give_back(void)
{
    drop_spares();
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
