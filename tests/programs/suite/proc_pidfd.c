/* pidfd_open and pidfd_send_signal to a child; pidfd_getfd to copy its fd. */
#include "suite.h"
#include <sys/syscall.h>
int main(void) {
    nondet();
    pid_t c = fork();
    if (c == 0) { pause(); _exit(0); }
    int pfd = syscall(SYS_pidfd_open, c, 0);
    printf("pidfd ok %d\n", pfd >= 0);
    long fd = syscall(SYS_pidfd_getfd, pfd, 1, 0);
    printf("getfd ok %d\n", fd >= 0);
    long r = syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
    int st; waitpid(c, &st, 0);
    printf("send_signal %ld child killed by %d (pid %d)\n", r, WTERMSIG(st), c);
    return 0;
}
