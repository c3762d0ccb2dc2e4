/* setitimer ITIMER_REAL periodic, getitimer, counting SIGALRMs in a busy loop. */
#include "suite.h"
#include <sys/time.h>
static volatile int n;
static void h(int s) { (void)s; n++; }
int main(void) {
    nondet();
    signal(SIGALRM, h);
    struct itimerval it = {{0, 2000}, {0, 2000}}, cur;
    setitimer(ITIMER_REAL, &it, NULL);
    unsigned long spins = 0;
    while (n < 10) spins++;
    getitimer(ITIMER_REAL, &cur);
    it.it_value.tv_usec = 0; it.it_interval.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    printf("alarms %d spins %lu interval %ld\n", n, spins, (long)cur.it_interval.tv_usec);
    return 0;
}
