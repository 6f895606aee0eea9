/* hello.c - the article's first test: c = ipp.Client(); c.ids;
 * c[:].apply_sync(lambda: "Hello World").
 *
 * usage: hello [PROFILE | path/to/client.json]   (default: profile
 * "default", the cluster `driver cluster start` runs) */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : NULL;
    pp_error err;
    pp_client *c = where && strstr(where, ".json")
                       ? pp_client_connect(where, 10, &err)
                       : pp_client_connect_profile(where, 10, &err);
    if (!c) {
        fprintf(stderr, "hello: %s\n", err.msg);
        return 1;
    }

    int64_t *ids;
    size_t n;
    if (pp_client_ids(c, &ids, &n, &err) == 0) {
        printf("[");
        for (size_t i = 0; i < n; i++)
            printf("%s%lld", i ? ", " : "", (long long)ids[i]);
        printf("]\n");
        free(ids);
    }

    pp_view *dview = pp_client_direct(c, NULL, 0, &err); /* c[:] */
    pp_async *r = NULL;
    if (!dview || pp_view_apply(dview, "hello", NULL, 0, &r, &err)) {
        fprintf(stderr, "hello: %s\n", err.msg);
        pp_async_destroy(&r);
        pp_view_destroy(&dview);
        pp_client_destroy(&c);
        return 1;
    }
    printf("[");
    for (size_t i = 0; i < pp_async_len(r); i++) {
        const pp_values *vals;
        pp_async_result(r, i, &vals, &err); /* all succeeded */
        char *s = pp_value_strdup(&vals->v[0]);
        printf("%s'%s'", i ? ", " : "", s ? s : "?");
        free(s);
    }
    printf("]\n");
    pp_async_destroy(&r);
    pp_view_destroy(&dview);
    pp_client_destroy(&c);
    return 0;
}
