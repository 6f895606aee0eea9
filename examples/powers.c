/* powers.c - the article's powers of ten: scatter x = range(64), run
 * y = [i**10 for i in x] on every engine and gather y; then the same with
 * the load-balanced view, map(lambda x: x**10, range(64), chunksize=10),
 * taking the results as they arrive with a progress line on stderr.
 *
 * usage: powers [PROFILE | path/to/client.json] */
#include <pipar.h>
#include <stdio.h>
#include <string.h>

static void print_list(const pp_value *y)
{
    const int64_t *v = pp_value_i64s(y);
    for (size_t i = 0; i < pp_value_count(y); i++)
        printf("%s%lld", i ? ", " : "[", (long long)v[i]);
    printf("]\n");
}

int main(int argc, char **argv)
{
    const char *where = argc > 1 ? argv[1] : NULL;
    pp_error err;
    pp_client *c = where && strstr(where, ".json")
                       ? pp_client_connect(where, 10, &err)
                       : pp_client_connect_profile(where, 10, &err);
    if (!c)
        return fprintf(stderr, "powers: %s\n", err.msg), 1;
    int64_t x[64];
    for (int i = 0; i < 64; i++)
        x[i] = i;
    pp_value seq, y = { 0 };
    pp_value_borrow(&seq, PP_T_I64, x, sizeof x);

    /* dview.scatter('x', range(64)); %px y = [i**10 for i in x];
     * y = dview.gather('y') */
    pp_view *dview = pp_client_direct(c, NULL, 0, &err);
    int rc = !dview || pp_view_scatter(dview, "x", &seq, &err)
             || pp_view_execute(dview, "powers", "x", "y", NULL, 0, &err)
             || pp_view_gather(dview, "y", &y, &err);
    if (!rc)
        print_list(&y);
    pp_value_free(&y);

    /* lview.map(lambda x: x**10, range(64), chunksize=10), iterated in
     * the order the tasks finish */
    pp_view *lview = rc ? NULL : pp_client_balanced(c, &err);
    pp_async *ar = lview ? pp_view_map_async(lview, "powers", &seq, 10,
                                             NULL, 0, &err)
                         : NULL;
    size_t i, done = 0;
    while (ar && (rc = pp_async_next(ar, &i, -1, &err)) > 0)
        fprintf(stderr, "progress: %zu/%zu tasks (task %zu on engine %d)\n",
                ++done, pp_async_len(ar), i, pp_async_meta(ar, i)->engine);
    if (ar && rc == 0 && (rc = pp_async_gather(ar, &y, &err)) == 0)
        print_list(&y);
    if (!ar || rc)
        fprintf(stderr, "powers: %s\n", err.msg);
    pp_value_free(&y);
    pp_async_destroy(&ar);
    pp_view_destroy(&lview);
    pp_view_destroy(&dview);
    pp_client_destroy(&c);
    return rc || !ar ? 1 : 0;
}
