/* sched_setaffinity to each CPU in turn, sched_getcpu and the getcpu syscall after each move. */
#include "suite.h"
#include <sched.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    cpu_set_t all; CPU_ZERO(&all);
    CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
    for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 4; cpu++) {
        if (!CPU_ISSET(cpu, &all)) continue;
        cpu_set_t one; CPU_ZERO(&one); CPU_SET(cpu, &one);
        int r = sched_setaffinity(0, sizeof one, &one);
        unsigned got = 99, node = 99;
        syscall(SYS_getcpu, &got, &node, NULL);
        printf("pin to %d: %d, sched_getcpu %d, getcpu %u node %u\n", cpu, r, sched_getcpu(), got, node);
    }
    CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
    return 0;
}
