/* check.h - the integration test programs' assertion: a failed CHECK
 * prints where and why, counts, and lets the program go on to its other
 * checks; main returns failures ? 1 : 0. */
#ifndef PP_TEST_CHECK_H
#define PP_TEST_CHECK_H
#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);            \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#endif
