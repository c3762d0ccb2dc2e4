/* Infinite recursion overflows the stack; SIGSEGV handled on an alternate stack, siglongjmp out. */
#include "suite.h"
#include <setjmp.h>
static sigjmp_buf jb;
static volatile unsigned long depth;
static void h(int s) { (void)s; siglongjmp(jb, 1); }
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(int n) { volatile char pad[512]; pad[0] = n; depth++; return recurse(n + 1) + pad[0]; }
int main(void) {
    nondet();
    static char alt[65536];
    stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_ONSTACK | SA_NODEFER};
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(jb, 1) == 0) recurse(0);
    printf("recovered after depth > 1000: %d\n", depth > 1000);
    return 0;
}
