/* pi_parse.c - a digit count as a user types it: "1000000", "150e6",
 * "1.5e8".  The value is worked out on the decimal digits themselves, so
 * "1.5e8" is exact and "1.5e0" is refused, never rounded. */
#include <ctype.h>
#include <string.h>

#include "pi.h"

/* The value as it can appear in a one-line message: cut short and with
 * anything unprintable replaced. */
static void quote(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; s[n] && n + 4 < size; n++)
        out[n] = isprint((unsigned char)s[n]) ? s[n] : '?';
    if (s[n]) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

int pp_parse_digits(const char *option, const char *s, uint64_t *out,
                    pp_error *err)
{
    char q[48];
    quote(s ? s : "", q, sizeof q);
    if (!option)
        option = "digits";
    if (!s)
        return pp_error_set(err, PP_EINVAL, "%s: a number is needed",
                            option);
    const char *p = s;
    bool negative = *p == '-';
    if (negative)
        p++;
    /* The significant digits, without leading or trailing zeros, and the
     * power of ten that scales them. */
    char sig[24];
    size_t nsig = 0, ndigits = 0, zeros = 0;
    int64_t scale = 0;
    bool point = false, too_long = false;
    for (;; p++) {
        if (*p == '.' && !point) {
            point = true;
            continue;
        }
        if (!isdigit((unsigned char)*p))
            break;
        ndigits++;
        if (point)
            scale--;
        if (*p == '0') {
            if (nsig)
                zeros++; /* kept back until a later nonzero digit */
            continue;
        }
        for (; zeros; zeros--) {
            if (nsig < sizeof sig)
                sig[nsig] = '0';
            nsig++;
        }
        if (nsig < sizeof sig)
            sig[nsig] = *p;
        nsig++;
    }
    scale += (int64_t)zeros;
    if (nsig > sizeof sig)
        too_long = true;
    if (ndigits == 0)
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number",
                            option, q);
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = *p == '-';
        if (*p == '-' || *p == '+')
            p++;
        if (!isdigit((unsigned char)*p))
            return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number",
                                option, q);
        int64_t e = 0;
        for (; isdigit((unsigned char)*p); p++)
            if (e < 1000000)
                e = e * 10 + (*p - '0');
        scale += eneg ? -e : e;
    }
    if (*p)
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is not a number",
                            option, q);
    if (nsig == 0)
        return pp_error_set(err, PP_EINVAL,
                            "%s: '%s' is zero; at least 1 digit is needed",
                            option, q);
    if (negative)
        return pp_error_set(err, PP_EINVAL, "%s: '%s' is negative", option,
                            q);
    /* sig has no trailing zero, so a negative scale leaves a fraction. */
    if (scale < 0)
        return pp_error_set(err, PP_EINVAL,
                            "%s: '%s' is not a whole number of digits",
                            option, q);
    if (too_long || (int64_t)nsig + scale > 11)
        goto too_big;
    uint64_t v = 0;
    for (size_t i = 0; i < nsig; i++)
        v = v * 10 + (uint64_t)(sig[i] - '0');
    for (int64_t i = 0; i < scale; i++)
        v *= 10;
    if (v > PP_PI_MAX_DIGITS)
        goto too_big;
    *out = v;
    return 0;
too_big:
    return pp_error_set(err, PP_EINVAL,
                        "%s: '%s' is more than the limit of %llu digits "
                        "(1e10)",
                        option, q, (unsigned long long)PP_PI_MAX_DIGITS);
}
