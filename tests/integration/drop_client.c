/* drop_client.c - N balanced echo tasks of BYTES bytes each, every task's
 * bytes its own; waits up to 60 s for all and checks that each result is
 * its task's bytes exactly.  connection_drop.sh runs it while it destroys
 * the engine's connection: enough bytes that some wait in the controller's
 * pipe and are lost with it.  Prints "submitted N", then "exact N".
 *
 * usage: drop_client PROFILE N BYTES */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(unsigned char *buf, size_t n, size_t task)
{
    for (size_t k = 0; k < n; k++)
        buf[k] = (unsigned char)(task * 131 + k * 7 + (k >> 11));
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: drop_client PROFILE N BYTES\n");
        return 2;
    }
    size_t n = (size_t)strtoul(argv[2], NULL, 10);
    size_t bytes = (size_t)strtoul(argv[3], NULL, 10);
    pp_error err;
    pp_client *c = pp_client_connect_profile(argv[1], 10, &err);
    pp_view *v = c ? pp_client_balanced(c, &err) : NULL;
    if (!v) {
        fprintf(stderr, "drop_client: %s\n", err.msg);
        pp_client_destroy(&c);
        return 1;
    }
    unsigned char *buf = malloc(bytes);
    pp_async *a = NULL;
    for (size_t i = 0; buf && i < n; i++) {
        fill(buf, bytes, i);
        pp_value val;
        if (pp_value_bytes(&val, PP_T_BYTES, buf, bytes)
            || pp_view_submit(v, &a, "echo", &val, 1, &err)) {
            fprintf(stderr, "drop_client: task %zu: %s\n", i, err.msg);
            return 1;
        }
    }
    printf("submitted %zu\n", n);
    fflush(stdout);
    int rc = pp_async_wait(a, 60, &err);
    if (rc) {
        fprintf(stderr, "drop_client: %zu of %zu results after 60 s: %s\n",
                pp_async_progress(a), n, err.msg);
        return 1;
    }
    size_t exact = 0;
    for (size_t i = 0; i < n; i++) {
        const pp_values *out;
        if (pp_async_result(a, i, &out, &err)) {
            fprintf(stderr, "drop_client: task %zu failed: %s\n", i, err.msg);
            continue;
        }
        fill(buf, bytes, i);
        if (out->n == 1 && out->v[0].size == bytes
            && memcmp(out->v[0].data, buf, bytes) == 0)
            exact++;
        else
            fprintf(stderr, "drop_client: task %zu: wrong result\n", i);
    }
    printf("exact %zu\n", exact);
    free(buf);
    pp_async_destroy(&a);
    pp_view_destroy(&v);
    pp_client_destroy(&c);
    return exact == n ? 0 : 1;
}
