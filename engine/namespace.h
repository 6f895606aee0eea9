/* namespace.h - an engine's named values (what scatter pushes, execute reads
 * and writes, and gather pulls).  The namespace owns its values.
 *
 * A value that is one block of a scatter carries its part: the scatter's
 * id, the block's index and the count of blocks.  Execute passes it from
 * its first input to its output, and pull returns it, so that gather can
 * put the blocks back in order and tell when one is missing (its engine
 * died) instead of returning a shorter array. */
#ifndef PP_NAMESPACE_H
#define PP_NAMESPACE_H

#include <stdint.h>

#include "pipar/value.h"

/* Which block of which scatter a value is; count 0: none. */
typedef struct ns_part {
    int64_t scatter;
    int64_t index;
    int64_t count;
} ns_part;

typedef struct ns_entry {
    char *name;
    pp_value value;
    ns_part part;
} ns_entry;

typedef struct pp_namespace {
    ns_entry *e;
    size_t n;
    size_t cap;
} pp_namespace;

/* Moves *v in under name, replacing (and freeing) an old value; part may
 * be NULL (not a block of a scatter). */
int ns_set(pp_namespace *ns, const char *name, pp_value *v,
           const ns_part *part);

/* Borrowed: valid until the name is set again or the namespace freed.
 * part (if not NULL) gets the value's part, count 0 when it has none. */
const pp_value *ns_get(const pp_namespace *ns, const char *name,
                       ns_part *part);

void ns_free(pp_namespace *ns);

#endif
