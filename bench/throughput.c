/* throughput.c - no-op tasks per second through the balanced scheduler of a
 * running cluster: a map of `noop` over COUNT items in tasks of CHUNKSIZE.
 *
 * usage: throughput CLIENT_JSON COUNT CHUNKSIZE [ROUNDS [WORKLOAD]]
 * (WORKLOAD: another no-op, as a loaded module's, to compare). */
#include <stdio.h>
#include <stdlib.h>

#include "pipar/view.h"
#include "wire.h"

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr,
                "usage: throughput CLIENT_JSON COUNT CHUNKSIZE [ROUNDS "
                "[WORKLOAD]]\n");
        return 2;
    }
    long count = atol(argv[2]), chunk = atol(argv[3]);
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    const char *workload = argc > 5 ? argv[5] : "noop";
    if (count < 1 || chunk < 1 || rounds < 1) {
        fprintf(stderr, "COUNT, CHUNKSIZE and ROUNDS must be positive\n");
        return 2;
    }
    pp_error err = { 0 };
    pp_client *c = pp_client_connect(argv[1], 5, &err);
    pp_view *v = c ? pp_client_balanced(c, &err) : NULL;
    if (!v) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int64_t *x = calloc((size_t)count, sizeof *x);
    pp_value seq;
    pp_value_borrow(&seq, PP_T_I64, x, (size_t)count * sizeof *x);
    double best = 0;
    long tasks = (count + chunk - 1) / chunk;
    for (int r = 0; r < rounds; r++) {
        int64_t t0 = pp_now_ns();
        pp_async *a =
            pp_view_map_async(v, workload, &seq, (size_t)chunk, NULL, 0, &err);
        if (!a || pp_async_wait(a, 600, &err)
            || pp_async_first_error(a, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        double s = (double)(pp_now_ns() - t0) / 1e9;
        pp_async_destroy(&a);
        if (tasks / s > best)
            best = tasks / s;
    }
    printf("%s map of %ld items, chunksize %ld: %.0f tasks/s (%.0f items/s), "
           "best of %d\n",
           workload, count, chunk, best, best * chunk, rounds);
    free(x);
    pp_view_destroy(&v);
    pp_client_destroy(&c);
    return 0;
}
