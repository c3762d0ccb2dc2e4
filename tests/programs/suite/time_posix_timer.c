/* timer_create with SIGEV_SIGNAL and a value, timer_settime periodic, timer_getoverrun. */
#include "suite.h"
static volatile int count;
static volatile int value;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; count++; value = si->si_value.sival_int; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN, .sigev_value.sival_int = 777};
    timer_t t;
    CHECK(timer_create(CLOCK_MONOTONIC, &ev, &t) == 0);
    struct itimerspec its = {{0, 3000000}, {0, 3000000}};
    CHECK(timer_settime(t, 0, &its, NULL) == 0);
    while (count < 5) pause();
    struct itimerspec cur;
    timer_gettime(t, &cur);
    printf("count %d value %d interval %ld overrun %d\n", count, value, cur.it_interval.tv_nsec, timer_getoverrun(t) >= 0);
    timer_delete(t);
    return 0;
}
