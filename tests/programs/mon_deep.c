/* rewind monitor: a NULL write three calls deep (main -> a -> b -> c). The
 * marker comments name the lines the crash report must show for each frame.
 * With an argument, prints it first (so runs can differ). */
#include <stdio.h>

static int *volatile nowhere;
static volatile int after;

__attribute__((noinline)) static void c(int x) {
    *nowhere = x; /* MON_DEEP_C */
    after++;
}

__attribute__((noinline)) static void b(int x) {
    c(x + 1); /* MON_DEEP_B */
    after++;
}

__attribute__((noinline)) static void a(int x) {
    b(x + 1); /* MON_DEEP_A */
    after++;
}

int main(int argc, char **argv) {
    if (argc > 1) {
        printf("%s\n", argv[1]);
        fflush(stdout);
    }
    a(argc); /* MON_DEEP_MAIN */
    after++;
    return 0;
}
