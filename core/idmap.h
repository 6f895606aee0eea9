/* idmap.h - a hash map from 64-bit ids to pointers (open addressing,
 * linear probing, deletion by backward shift: no tombstones to pile up in a
 * controller that runs for millions of tasks).  The map does not own the
 * pointers it holds. */
#ifndef PP_IDMAP_H
#define PP_IDMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pp_idmap {
    uint64_t *keys;
    void **vals; /* NULL marks an empty slot */
    size_t cap;  /* a power of two */
    size_t n;
} pp_idmap;

/* 0 or PP_ENOMEM.  A value must not be NULL. */
int pp_idmap_put(pp_idmap *m, uint64_t key, void *val);
void *pp_idmap_get(const pp_idmap *m, uint64_t key);
/* Removes and returns the value, or NULL if absent. */
void *pp_idmap_remove(pp_idmap *m, uint64_t key);
void pp_idmap_free(pp_idmap *m);

#endif
