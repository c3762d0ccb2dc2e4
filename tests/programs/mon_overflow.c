/* rewind monitor: unbounded recursion overflows the stack; SIGSEGV has its
 * default action (no alternate stack), so the process dies of it. */
#include <stdio.h>

static volatile int sink;

__attribute__((noinline)) static int recurse(int depth) {
    volatile char pad[256];
    if (depth < 0) /* never: only keeps the compiler from seeing a certain overflow */
        return 0;
    pad[depth & 255] = (char)depth;
    int r = recurse(depth + 1); /* MON_OVERFLOW_CALL */
    return r + pad[(depth + 1) & 255];
}

int main(int argc, char **argv) {
    (void)argv;
    sink = recurse(argc);
    printf("not reached %d\n", sink);
    return 0;
}
