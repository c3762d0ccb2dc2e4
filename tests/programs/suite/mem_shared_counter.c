/* Parent and child increment one shared-memory counter with atomics while both run. */
#include "suite.h"
#include <sched.h>
#include <sys/mman.h>
int main(void) {
    nondet();
    long *ctr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t c = fork();
    int n = 20000;
    for (int i = 0; i < n; i++) { __atomic_fetch_add(ctr, 1, __ATOMIC_SEQ_CST); if (i % 5000 == 0) sched_yield(); }
    if (c == 0) _exit(0);
    waitpid(c, NULL, 0);
    printf("counter %ld (child %d)\n", *ctr, c);
    return 0;
}
