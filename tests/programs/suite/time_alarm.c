/* alarm() delivering SIGALRM into pause(), and alarm's return of the time left. */
#include "suite.h"
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
    nondet();
    signal(SIGALRM, h);
    alarm(100);
    printf("previous alarm left %u\n", alarm(1));
    long long t0 = now_ns(CLOCK_MONOTONIC);
    pause();
    printf("got %d after about 1s %d\n", got, now_ns(CLOCK_MONOTONIC) - t0 > 500000000);
    return 0;
}
