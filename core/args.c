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

int pp_parse_bytes(const char *option, const char *s, int64_t min,
                   int64_t max, int64_t *out, pp_error *err)
{
    size_t n = s ? strlen(s) : 0;
    int shift = 0;
    if (n > 1 && strchr("KMG", s[n - 1]))
        shift = s[n - 1] == 'K' ? 10 : s[n - 1] == 'M' ? 20 : 30;
    char digits[32];
    if (n == 0 || n - (shift ? 1 : 0) >= sizeof digits)
        return pp_error_set(err, PP_EINVAL,
                            "%s: '%s' is not a size (bytes, or with K, M, G)",
                            option, s ? s : "");
    memcpy(digits, s, n - (shift ? 1 : 0));
    digits[n - (shift ? 1 : 0)] = '\0';
    int64_t v;
    pp_error e2;
    if (pp_parse_i64(option, digits, 0, INT64_MAX >> 30, &v, &e2))
        return pp_error_set(err, PP_EINVAL,
                            "%s: '%s' is not a size (bytes, or with K, M, G)",
                            option, s);
    v <<= shift;
    if (v < min || v > max)
        return pp_error_set(err, PP_EINVAL,
                            "%s: %s is out of range (%lld to %lld bytes)",
                            option, s, (long long)min, (long long)max);
    *out = v;
    return 0;
}

int pp_parse_bool(const char *option, const char *s, bool *out,
                  pp_error *err)
{
    static const char *const yes[] = { "true", "yes", "on" };
    static const char *const no[] = { "false", "no", "off" };
    for (int i = 0; s && i < 3; i++) {
        if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
            *out = strcmp(s, yes[i]) == 0;
            return 0;
        }
    }
    return pp_error_set(err, PP_EINVAL,
                        "%s: '%s' is not true or false (nor yes, no, on, "
                        "off)",
                        option, s ? s : "");
}
