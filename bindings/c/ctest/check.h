/* Tiny assertion helpers shared by the C tests: count checks, print failures, and end
 * with the CI-countable line "N passed, N failed". */
#ifndef CORSGATE_CHECK_H
#define CORSGATE_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond) {                                                                \
            check_passed++;                                                        \
        } else {                                                                   \
            check_failed++;                                                        \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
        }                                                                          \
    } while (0)

/* A corsgate_slice equals a C string. */
#define SLICE_EQ(s, cstr) \
    ((s).len == strlen(cstr) && ((s).len == 0 || memcmp((s).data, (cstr), (s).len) == 0))

/* printf arguments for a corsgate_slice: printf("%.*s", SLICE_FMT(s)). */
#define SLICE_FMT(s) (int)(s).len, (const char *)(s).data

static int check_finish(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
