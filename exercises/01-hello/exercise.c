/* Exercise 1: hello, ids, and your first workload.
 *
 * Two workloads to write (README.md says how to run and check them):
 *   greet NAME  -> the string "Hello, NAME!"
 *   add A B     -> A + B (two i64)
 */
#include <stdio.h>

#include <pipar/workload.h>

static int greet(const pp_value *args, size_t nargs, pp_values *out,
                 pp_error *err)
{
    char name[64];
    if (pp_arg_str(args, nargs, 0, name, sizeof name, err))
        return err->code;
    /* TODO: build "Hello, NAME!" in a buffer (snprintf) and return it
     * with pp_ret_str(out, buffer, err). */
    (void)out;
    return pp_error_set(err, PP_EINVAL, "TODO: greet is not written yet "
                                        "(exercise 1, step 2)");
}

static int add(const pp_value *args, size_t nargs, pp_values *out,
               pp_error *err)
{
    int64_t a, b;
    if (pp_arg_i64(args, nargs, 0, &a, err)
        || pp_arg_i64(args, nargs, 1, &b, err))
        return err->code;
    /* TODO: return a + b (pp_ret_i64).  This returns a, which is wrong
     * whenever b is not 0. */
    (void)b;
    return pp_ret_i64(out, a, err);
}

PP_MODULE({ "greet", "Hello, NAME! (exercise 1)", greet },
          { "add", "a + b (exercise 1)", add });
