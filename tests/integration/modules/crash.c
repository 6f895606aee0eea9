/* crash.c - a test module whose workloads crash the engine: crashsq
 * squares i64 items but dereferences NULL at the item 13 the first time
 * (MARKER, a file it makes, says it happened); segv always crashes;
 * abort_now calls abort(). */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <pipar/workload.h>

#define MARKER "@MARKER@"

static int crashsq(const pp_value *args, size_t nargs, pp_values *out,
                   pp_error *err)
{
    const int64_t *x;
    size_t n;
    int rc = pp_arg_i64s(args, nargs, 0, &x, &n, err);
    int64_t *y = rc ? NULL : pp_ret_i64_array(out, n, err);
    if (!y)
        return err->code;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == 13) {
            int fd = open(MARKER, O_WRONLY | O_CREAT | O_EXCL, 0600);
            if (fd >= 0) {
                close(fd);
                *(volatile int *)NULL = 1; /* a student's NULL deref */
            }
        }
        y[i] = x[i] * x[i];
    }
    return 0;
}

static int segv(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    (void)args; (void)nargs; (void)out; (void)err;
    *(volatile int *)NULL = 1;
    return 0;
}

static int abort_now(const pp_value *args, size_t nargs, pp_values *out,
                     pp_error *err)
{
    (void)args; (void)nargs; (void)out; (void)err;
    abort();
}

PP_MODULE({ "crashsq", "x*x, but crashes once at 13", crashsq },
          { "segv", "dereferences NULL", segv },
          { "abort_now", "calls abort()", abort_now });
