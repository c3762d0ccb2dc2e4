/* A child outlives its parent's wait: the grandchild is reparented and prints its new ppid. */
#include "suite.h"
#include <sys/prctl.h>
int main(void) {
    nondet();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t c = fork();
    if (c == 0) {
        pid_t g = fork();
        if (g == 0) { usleep(20000); printf("grandchild reparented to subreaper %d\n", getppid() != c); fflush(stdout); _exit(3); }
        _exit(0);
    }
    waitpid(c, NULL, 0);
    int st;
    pid_t w = wait(&st);
    printf("subreaper reaped %d exit %d\n", w > 0, WEXITSTATUS(st));
    return 0;
}
