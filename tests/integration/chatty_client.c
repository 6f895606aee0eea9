/* chatty_client.c - a client that keeps talking to the controller while
 * its task is in flight, as a notebook loop polling the engines' ids
 * between short waits does: every 0.3 s it asks for the ids and waits
 * 0.3 s for its task.  Its pings are answered all along, so only the
 * client's own check of its task finds a result lost with a dropped
 * connection (client_drop.sh).  Prints "ok" or the task's error, one line;
 * exits 1 when the task has not ended within 30 s.
 *
 * usage: chatty_client CLIENT_JSON WORKLOAD I64_ARG */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: chatty_client CLIENT_JSON WORKLOAD I64_ARG\n");
        return 2;
    }
    pp_error err = { 0 };
    pp_client *c = pp_client_connect(argv[1], 10, &err);
    if (!c) {
        fprintf(stderr, "connect: %s\n", err.msg);
        return 2;
    }
    pp_view *v = pp_client_balanced(c, &err);
    int64_t x = atoll(argv[3]);
    pp_value arg;
    pp_value_borrow(&arg, PP_T_I64, &x, sizeof x);
    pp_async *a = v ? pp_view_apply_async(v, argv[2], &arg, 1, &err) : NULL;
    if (!a) {
        fprintf(stderr, "apply: %s\n", err.msg);
        return 2;
    }
    int rc = PP_ETIMEDOUT;
    for (int i = 0; i < 100 && rc == PP_ETIMEDOUT; i++) {
        int64_t *ids = NULL;
        size_t n = 0;
        if (pp_client_ids(c, &ids, &n, &err) == 0)
            free(ids);
        rc = pp_async_wait(a, 0.3, &err);
    }
    if (rc == PP_ETIMEDOUT) {
        printf("the task has not ended within 30 s\n");
        return 1;
    }
    const pp_values *vals;
    if (pp_async_result(a, 0, &vals, &err))
        printf("%s\n", err.msg);
    else
        printf("ok\n");
    pp_async_destroy(&a);
    pp_view_destroy(&v);
    pp_client_destroy(&c);
    return 0;
}
