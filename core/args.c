/* args.c - strict number parsing for options. */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pp_parse_i64(const char *option, const char *s, int64_t min, int64_t max,
                 int64_t *out, pp_error *err)
{
    char *end = NULL;
    errno = 0;
    /* strtoll skips leading spaces and accepts '+'; a user typing those
     * made a mistake worth naming, so refuse them. */
    if (!s || !*s || isspace((unsigned char)*s) || *s == '+')
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a whole number",
                            option, s ? s : "");
    long long v = strtoll(s, &end, 10);
    if (*end != '\0')
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a whole number",
                            option, s);
    if (errno == ERANGE || v < min || v > max) {
        if (v < 0 && min >= 0 && errno != ERANGE)
            return pp_error_set(err, PP_EINVAL,
                                "%s: %s is negative; it must be at least "
                                "%lld",
                                option, s, (long long)min);
        return pp_error_set(err, PP_EINVAL,
                            "%s: %s is out of range (%lld to %lld)", option,
                            s, (long long)min, (long long)max);
    }
    *out = v;
    return 0;
}

int pp_parse_seconds(const char *option, const char *s, double min,
                     double max, double *out, pp_error *err)
{
    char *end = NULL;
    /* Plain decimal only: strtod would also take "+1", "0x10" and "inf". */
    if (!s || !*s || *s == '+' || strspn(s, "0123456789.eE+-") != strlen(s))
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number",
                            option, s ? s : "");
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number",
                            option, s);
    if (v < min || v > max)
        return pp_error_set(err, PP_EINVAL,
                            "%s: %s is out of range (%g to %g seconds)",
                            option, s, min, max);
    *out = v;
    return 0;
}
