/* namespace.h - an engine's named values (what scatter pushes, execute reads
 * and writes, and gather pulls).  The namespace owns its values. */
#ifndef PP_NAMESPACE_H
#define PP_NAMESPACE_H

#include "pipar/value.h"

typedef struct ns_entry {
    char *name;
    pp_value value;
} ns_entry;

typedef struct pp_namespace {
    ns_entry *e;
    size_t n;
    size_t cap;
} pp_namespace;

/* Moves *v in under name, replacing (and freeing) an old value. */
int ns_set(pp_namespace *ns, const char *name, pp_value *v);

/* Borrowed: valid until the name is set again or the namespace freed. */
const pp_value *ns_get(const pp_namespace *ns, const char *name);

void ns_free(pp_namespace *ns);

#endif
