/* apply_latency.c - round-trip time of one blocking apply on one engine,
 * against a running cluster: median and p99 over many runs.
 *
 * usage: apply_latency CLIENT_JSON [COUNT] [WORKLOAD] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipar/view.h"
#include "wire.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: apply_latency CLIENT_JSON [COUNT] "
                        "[WORKLOAD]\n");
        return 2;
    }
    int count = argc > 2 ? atoi(argv[2]) : 5000;
    const char *workload = argc > 3 ? argv[3] : "noop";
    if (count < 10)
        count = 10;
    pp_error err = { 0 };
    pp_client *c = pp_client_connect(argv[1], 5, &err);
    if (!c) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int64_t first = 0;
    int64_t *ids = NULL;
    size_t n = 0;
    if (pp_client_ids(c, &ids, &n, &err) || n == 0) {
        fprintf(stderr, "no engines: %s\n", err.msg);
        return 1;
    }
    first = ids[0];
    free(ids);
    pp_view *v = pp_client_direct(c, &first, 1, &err);
    int64_t *rtt = malloc((size_t)count * sizeof *rtt);
    /* Warm up connections and caches before measuring. */
    for (int i = 0; i < 200; i++)
        if (pp_view_apply(v, workload, NULL, 0, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    for (int i = 0; i < count; i++) {
        int64_t t0 = pp_now_ns();
        if (pp_view_apply(v, workload, NULL, 0, NULL, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        rtt[i] = pp_now_ns() - t0;
    }
    qsort(rtt, (size_t)count, sizeof *rtt, cmp_i64);
    printf("apply %s on engine %lld, %d runs: median %.1f us, p99 %.1f us, "
           "min %.1f us\n",
           workload, (long long)first, count, rtt[count / 2] / 1e3,
           rtt[count * 99 / 100] / 1e3, rtt[0] / 1e3);
    free(rtt);
    pp_view_destroy(&v);
    pp_client_destroy(&c);
    return 0;
}
