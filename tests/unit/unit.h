/* unit.h - what every cmocka unit test includes.
 *
 * cmocka.h needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before
 * it.  assert_contains checks that a message mentions a piece of text, and
 * prints both when it does not. */
#ifndef PP_TEST_UNIT_H
#define PP_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define assert_contains(haystack, needle)                                    \
    do {                                                                     \
        const char *h_ = (haystack), *n_ = (needle);                         \
        if (!h_ || !strstr(h_, n_))                                          \
            fail_msg("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)",   \
                     n_);                                                    \
    } while (0)

#define assert_not_contains(haystack, needle)                                \
    do {                                                                     \
        const char *h_ = (haystack), *n_ = (needle);                         \
        if (h_ && strstr(h_, n_))                                            \
            fail_msg("\"%s\" contains \"%s\"", h_, n_);                      \
    } while (0)

/* int64 equality that prints signed values when it fails. */
#define assert_i64_equal(a, b)                                               \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_)                                                        \
            fail_msg("%s == %lld, expected %lld", #a, a_, b_);               \
    } while (0)

#endif
