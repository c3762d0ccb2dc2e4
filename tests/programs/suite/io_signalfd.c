/* signalfd: blocked signals read as siginfo records (sender pid, sigqueue value). */
#include "suite.h"
#include <sys/signalfd.h>
int main(void) {
    nondet();
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1); sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    int fd = signalfd(-1, &m, SFD_CLOEXEC);
    CHECK(fd >= 0);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        union sigval v = {.sival_int = getpid() * 3};
        sigqueue(parent, SIGUSR2, v);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct signalfd_siginfo si[2];
    ssize_t n = read(fd, si, sizeof si);
    printf("read %zd\n", n);
    for (int i = 0; i < n / (ssize_t)sizeof si[0]; i++)
        printf("  signo %u pid is child %d int %d\n", si[i].ssi_signo, (pid_t)si[i].ssi_pid == c, si[i].ssi_int);
    return 0;
}
