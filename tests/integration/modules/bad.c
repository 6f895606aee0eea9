#include <pipar/workload.h>

static int broken(const pp_value *args, size_t nargs, pp_values *out, pp_error *err) { return undeclared_thing; }

PP_MODULE({ "badwork", "does not compile", broken });
