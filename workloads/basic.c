/* basic.c - the small workloads for tests, benchmarks and Hello World. */
#include <errno.h>
#include <math.h>
#include <time.h>

#include "workload.h"

int pp_hello_run(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    (void)args;
    (void)nargs;
    return pp_ret_str(out, "Hello World", err);
}

int pp_noop_run(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)err;
    return 0;
}

int pp_sleep_run(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    (void)out;
    double seconds;
    if (nargs != 1 || pp_arg_f64(args, nargs, 0, &seconds, err))
        return pp_error_set(err, PP_EINVAL,
                            "sleep: needs one number of seconds");
    if (!(seconds >= 0 && seconds <= 86400))
        return pp_error_set(err, PP_EINVAL,
                            "sleep: %g seconds is out of range (0 to 86400)",
                            seconds);
    struct timespec ts = { .tv_sec = (time_t)seconds };
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
    return 0;
}

int pp_echo_run(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    for (size_t i = 0; i < nargs; i++) {
        pp_value v;
        if (pp_value_copy(&v, &args[i]) || pp_values_push(out, &v)) {
            pp_value_free(&v);
            return pp_error_set(err, PP_ENOMEM, "echo: out of memory");
        }
    }
    return 0;
}

int pp_fail_run(const pp_value *args, size_t nargs, pp_values *out,
                pp_error *err)
{
    (void)out;
    if (nargs >= 1 && args[0].type == PP_T_STR)
        return pp_error_set(err, PP_EINVAL, "fail: %.*s",
                            (int)(args[0].size > 400 ? 400 : args[0].size),
                            (const char *)args[0].data);
    return pp_error_set(err, PP_EINVAL, "fail: asked to fail");
}
