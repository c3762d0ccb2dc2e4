/* raw clone() with a separate stack, CLONE_VM sharing, SIGCHLD termination signal. */
#include "suite.h"
#include <sched.h>
static int shared;
static int child(void *arg) { shared = *(int *)arg + getpid(); return 5; }
int main(void) {
    nondet();
    size_t sz = 64 * 1024;
    char *stack = malloc(sz);
    int arg = 1000;
    pid_t c = clone(child, stack + sz, CLONE_VM | SIGCHLD, &arg);
    CHECK(c > 0);
    int st; waitpid(c, &st, 0);
    printf("clone child exit %d shared matches pid %d (%d)\n", WEXITSTATUS(st), shared == 1000 + c, shared);
    c = clone(child, stack + sz, SIGCHLD, &arg);
    waitpid(c, &st, 0);
    printf("no CLONE_VM: shared unchanged %d\n", shared != 1000 + c);
    return 0;
}
