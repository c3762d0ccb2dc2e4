/* ITIMER_VIRTUAL and ITIMER_PROF during computation. */
#include "suite.h"
#include <sys/time.h>
static volatile int vt, pr;
static void h(int s) { if (s == SIGVTALRM) vt++; else pr++; }
int main(void) {
    nondet();
    signal(SIGVTALRM, h); signal(SIGPROF, h);
    struct itimerval it = {{0, 5000}, {0, 5000}};
    setitimer(ITIMER_VIRTUAL, &it, NULL);
    setitimer(ITIMER_PROF, &it, NULL);
    volatile double x = 1;
    while (vt < 3 || pr < 3) x = x * 1.0000001 + 1e-9;
    struct itimerval z = {{0, 0}, {0, 0}};
    setitimer(ITIMER_VIRTUAL, &z, NULL); setitimer(ITIMER_PROF, &z, NULL);
    printf("vt %d prof %d x %.6f\n", vt >= 3, pr >= 3, x);
    return 0;
}
