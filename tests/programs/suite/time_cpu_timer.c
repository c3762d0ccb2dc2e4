/* A CLOCK_PROCESS_CPUTIME_ID timer firing during a busy loop (signal at an arbitrary instruction). */
#include "suite.h"
static volatile int fired;
static void h(int s) { (void)s; fired = 1; }
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    timer_t t;
    CHECK(timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &t) == 0);
    struct itimerspec its = {{0, 0}, {0, 20000000}};
    timer_settime(t, 0, &its, NULL);
    volatile unsigned long x = 0;
    unsigned long iters = 0;
    while (!fired) { x = x * 3 + 1; iters++; }
    printf("fired after %lu iterations x %lu\n", iters, (unsigned long)x);
    return 0;
}
