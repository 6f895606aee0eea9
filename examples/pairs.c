/* pairs.c - the article's figure, small: count the 100 two-digit pairs
 * (00 to 99, each pair of consecutive digits) of a digits file with the
 * load-balanced view.  The digits are cut into chunks that overlap by one
 * digit, so a pair across a boundary is counted once; each task takes 10
 * chunks (chunksize=10) to the engines' "pairs" workload, which returns
 * 100 counts.  Prints "00 count" ... "99 count".
 *
 * usage: pairs DIGITS_FILE [CHUNK_DIGITS [PROFILE | client.json]]
 * (up to 16 MiB of digits; `driver pi-pairs` maps files of any size) */
#include <pipar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return fprintf(stderr, "usage: pairs DIGITS_FILE [CHUNK_DIGITS "
                               "[PROFILE | client.json]]\n"), 2;
    size_t chunk = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    const char *where = argc > 3 ? argv[3] : NULL;
    static char digits[1 << 24];
    FILE *f = fopen(argv[1], "r");
    size_t n = f ? fread(digits, 1, sizeof digits, f) : 0;
    while (n && (digits[n - 1] == '\n' || digits[n - 1] == '\r'))
        n--; /* a trailing newline is no digit */
    if (!f || n < 2 || n == sizeof digits || chunk < 1)
        return fprintf(stderr, "pairs: %s: no digits, or too many\n",
                       argv[1]), 1;
    fclose(f);

    pp_error err;
    pp_client *c = where && strstr(where, ".json")
                       ? pp_client_connect(where, 10, &err)
                       : pp_client_connect_profile(where, 10, &err);
    pp_view *lview = c ? pp_client_balanced(c, &err) : NULL;
    pp_async *ar = NULL;
    int rc = lview ? 0 : err.code;
    /* Tasks of 10 chunks: digits [lo, hi), plus the next one's first. */
    size_t per_task = 10 * chunk;
    for (size_t lo = 0; !rc && lo + 1 < n; lo += per_task) {
        size_t hi = lo + per_task + 1 < n ? lo + per_task + 1 : n;
        pp_value slice;
        pp_value_borrow(&slice, PP_T_BYTES, digits + lo, hi - lo);
        rc = pp_view_submit(lview, &ar, "pairs", &slice, 1, &err);
    }
    if (!rc)
        rc = pp_async_wait_interactive(ar, stderr, 1, &err);
    uint64_t counts[100] = { 0 };
    for (size_t t = 0; !rc && t < pp_async_len(ar); t++) {
        const pp_values *vals;
        rc = pp_async_result(ar, t, &vals, &err);
        for (int k = 0; !rc && k < 100; k++)
            counts[k] += (uint64_t)pp_value_i64s(&vals->v[0])[k];
    }
    for (int k = 0; !rc && k < 100; k++)
        printf("%02d %llu\n", k, (unsigned long long)counts[k]);
    if (rc)
        fprintf(stderr, "pairs: %s\n", err.msg);
    pp_async_destroy(&ar);
    pp_view_destroy(&lview);
    pp_client_destroy(&c);
    return rc ? 1 : 0;
}
