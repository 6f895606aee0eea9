/* namespace.c - a small name -> value table; engines hold a handful. */
#include "namespace.h"

#include <stdlib.h>
#include <string.h>

int ns_set(pp_namespace *ns, const char *name, pp_value *v,
           const ns_part *part)
{
    ns_part none = { 0, 0, 0 };
    for (size_t i = 0; i < ns->n; i++) {
        if (strcmp(ns->e[i].name, name) == 0) {
            pp_value_free(&ns->e[i].value);
            ns->e[i].value = *v;
            ns->e[i].part = part ? *part : none;
            memset(v, 0, sizeof *v);
            return 0;
        }
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 8;
        ns_entry *grown = realloc(ns->e, cap * sizeof *grown);
        if (!grown)
            return PP_ENOMEM;
        ns->e = grown;
        ns->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return PP_ENOMEM;
    ns->e[ns->n].name = copy;
    ns->e[ns->n].value = *v;
    ns->e[ns->n].part = part ? *part : none;
    ns->n++;
    memset(v, 0, sizeof *v);
    return 0;
}

const pp_value *ns_get(const pp_namespace *ns, const char *name,
                       ns_part *part)
{
    for (size_t i = 0; i < ns->n; i++)
        if (strcmp(ns->e[i].name, name) == 0) {
            if (part)
                *part = ns->e[i].part;
            return &ns->e[i].value;
        }
    return NULL;
}

void ns_free(pp_namespace *ns)
{
    for (size_t i = 0; i < ns->n; i++) {
        free(ns->e[i].name);
        pp_value_free(&ns->e[i].value);
    }
    free(ns->e);
    memset(ns, 0, sizeof *ns);
}
