/* sigwaitinfo/sigtimedwait on blocked signals sent by a child, and a sigtimedwait timeout. */
#include "suite.h"
int main(void) {
    nondet();
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR1); sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { usleep(10000); kill(parent, SIGUSR2); _exit(0); }
    siginfo_t si;
    int s = sigwaitinfo(&m, &si);
    printf("sigwaitinfo %d from child %d\n", s, si.si_pid == c);
    struct timespec ts = {0, 20000000};
    s = sigtimedwait(&m, &si, &ts);
    printf("timed out %d errno %d\n", s, errno);
    raise(SIGUSR1);
    s = sigtimedwait(&m, &si, &ts);
    printf("pending one %d code %d\n", s, si.si_code);
    waitpid(c, NULL, 0);
    return 0;
}
