/* Integer division by zero: SIGFPE with FPE_INTDIV, recovered with siglongjmp. */
#include "suite.h"
#include <setjmp.h>
static sigjmp_buf jb;
static volatile int code;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; code = si->si_code; siglongjmp(jb, 1); }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGFPE, &sa, NULL);
    volatile int zero = getpid() < 0;
    volatile int r = 0;
    if (sigsetjmp(jb, 1) == 0) r = 100 / zero;
    printf("code %d r %d\n", code, r);
    return 0;
}
