/* idmap.c - u64 -> pointer hash map with backward-shift deletion. */
#include "idmap.h"

#include <stdlib.h>

#include "pipar/error.h"

static size_t slot_of(uint64_t key, size_t cap)
{
    /* Ids are a random prefix and a counter; mixing spreads the counter. */
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static int grow(pp_idmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    uint64_t *keys = calloc(cap, sizeof *keys);
    void **vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return PP_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i])
            continue;
        size_t j = slot_of(m->keys[i], cap);
        while (vals[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

int pp_idmap_put(pp_idmap *m, uint64_t key, void *val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
        return PP_ENOMEM;
    size_t i = slot_of(key, m->cap);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->vals[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 0;
}

void *pp_idmap_get(const pp_idmap *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t i = slot_of(key, m->cap);
    while (m->vals[i]) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

void *pp_idmap_remove(pp_idmap *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    size_t i = slot_of(key, m->cap);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & mask;
    void *found = m->vals[i];
    if (!found)
        return NULL;
    m->n--;
    /* Shift later members of the probe run back, so lookups never stop
     * early at the hole. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->vals[j]; j = (j + 1) & mask) {
        size_t home = slot_of(m->keys[j], m->cap);
        /* j may move to hole when home is not cyclically in (hole, j]. */
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            m->keys[hole] = m->keys[j];
            m->vals[hole] = m->vals[j];
            hole = j;
        }
    }
    m->vals[hole] = NULL;
    return found;
}

void pp_idmap_free(pp_idmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->n = 0;
}
