/* sigaction handler with SA_SIGINFO: raise, kill self, siginfo fields. */
#include "suite.h"
static volatile int code, pid, signo;
static void h(int s, siginfo_t *si, void *u) { (void)u; signo = s; code = si->si_code; pid = si->si_pid; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("raise: signo %d code %d pid is self %d\n", signo, code, pid == getpid());
    kill(getpid(), SIGUSR1);
    printf("kill: code %d\n", code);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    printf("flags has SIGINFO %d\n", (old.sa_flags & SA_SIGINFO) != 0);
    return 0;
}
