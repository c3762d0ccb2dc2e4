/* clone3 with CLONE_PIDFD: the pidfd polls readable at exit, waitid(P_PIDFD). */
#include "suite.h"
#include <linux/sched.h>
#include <poll.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    int pidfd = -1;
    struct clone_args ca = {.flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd, .exit_signal = SIGCHLD};
    long c = syscall(SYS_clone3, &ca, sizeof ca);
    if (c == 0) { usleep(5000); _exit(9); }
    CHECK(c > 0);
    printf("pidfd valid %d\n", pidfd >= 0);
    struct pollfd f = {pidfd, POLLIN, 0};
    printf("poll %d\n", poll(&f, 1, 5000));
    siginfo_t si = {0};
    int r = waitid(P_PIDFD, pidfd, &si, WEXITED);
    printf("waitid %d pid ok %d status %d code %d child %ld\n", r, si.si_pid == c, si.si_status, si.si_code, c);
    return 0;
}
