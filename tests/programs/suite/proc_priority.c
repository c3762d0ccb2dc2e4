/* getpriority/setpriority/nice, sched_getscheduler, sched_yield, sched affinity. */
#include "suite.h"
#include <sched.h>
#include <sys/resource.h>
int main(void) {
    nondet();
    errno = 0;
    printf("prio %d\n", getpriority(PRIO_PROCESS, 0));
    printf("nice %d\n", nice(3));
    printf("prio %d\n", getpriority(PRIO_PROCESS, 0));
    printf("setpriority %d\n", setpriority(PRIO_PROCESS, 0, 5));
    printf("sched %d yield %d\n", sched_getscheduler(0), sched_yield());
    struct sched_param sp;
    int gp = sched_getparam(0, &sp);
    printf("getparam %d prio %d\n", gp, sp.sched_priority);
    cpu_set_t s; CPU_ZERO(&s);
    int ga = sched_getaffinity(0, sizeof s, &s);
    printf("affinity %d count %d\n", ga, CPU_COUNT(&s));
    printf("max fifo %d\n", sched_get_priority_max(SCHED_FIFO));
    return 0;
}
