/* Exercise 1, a solution: greet and add. */
#include <stdio.h>

#include <pipar/workload.h>

static int greet(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    char name[64], hello[80];
    if (pp_arg_str(args, nargs, 0, name, sizeof name, err))
        return err->code;
    snprintf(hello, sizeof hello, "Hello, %s!", name);
    return pp_ret_str(out, hello, err);
}

static int add(const pp_value *args, size_t nargs, pp_values *out,
               pp_error *err)
{
    int64_t a, b, sum;
    if (pp_arg_i64(args, nargs, 0, &a, err)
        || pp_arg_i64(args, nargs, 1, &b, err))
        return err->code;
    /* An honest answer or an error, never a wrapped one. */
    if (__builtin_add_overflow(a, b, &sum))
        return pp_error_set(err, PP_EOVERFLOW, "%lld + %lld does not fit "
                            "in int64", (long long)a, (long long)b);
    return pp_ret_i64(out, sum, err);
}

PP_MODULE({ "greet", "Hello, NAME! (exercise 1)", greet },
          { "add", "a + b (exercise 1)", add });
