/* SIGCHLD set to SIG_IGN: children are reaped by the kernel, wait() fails with ECHILD. */
#include "suite.h"
int main(void) {
    nondet();
    signal(SIGCHLD, SIG_IGN);
    pid_t c = fork();
    if (c == 0) _exit(3);
    int st;
    errno = 0;
    pid_t w = waitpid(c, &st, 0);
    int e = errno;
    printf("waitpid %d errno %d (child %d)\n", w == c ? 0 : (int)w, e, c);
    return 0;
}
