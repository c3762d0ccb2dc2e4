/* Shared by the suite programs: every program prints its pid and a time first
 * (so a native run differs from the recording), and CHECK stops a program with
 * a clear line when a call fails unexpectedly (so a wrong result in record or
 * replay shows as output, not as silence). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(expr)                                                                    \
    do {                                                                               \
        if (!(expr)) {                                                                 \
            printf("FAILED %s at line %d: %s\n", #expr, __LINE__, strerror(errno));    \
            fflush(stdout);                                                            \
            exit(99);                                                                  \
        }                                                                              \
    } while (0)

static inline long long now_ns(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The values that change from run to run. */
static inline void nondet(void) {
    /* Line buffering: output reaches the pipe as it is printed, so a fork does
     * not copy unwritten lines into the child. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("pid %d time %lld\n", (int)getpid(), now_ns(CLOCK_REALTIME));
}

/* A file name private to this process, under the current directory. */
static inline const char *tmpname(const char *base) {
    static char buf[8][64];
    static int n;
    char *b = buf[n++ & 7];
    snprintf(b, 64, "%s.%d", base, (int)getpid());
    return b;
}

/* Prints LABEL, the result of EXPR and the errno it left (0 if it succeeded).
 * EXPR runs before errno is read: printf's arguments have no order. */
#define SHOW_ERR(label, expr)                                                   \
    do {                                                                        \
        errno = 0;                                                              \
        long show_result_ = (long)(expr);                                       \
        int show_errno_ = errno;                                                \
        printf("%s %ld errno %d\n", label, show_result_, show_errno_);          \
    } while (0)
