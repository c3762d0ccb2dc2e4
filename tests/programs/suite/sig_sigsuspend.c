/* sigsuspend waiting for a signal from a child, with the blocked-signal race closed. */
#include "suite.h"
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    sigset_t m, old; sigemptyset(&m); sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, &old);
    pid_t parent = getpid();
    for (int i = 0; i < 3; i++) {
        got = 0;
        pid_t c = fork();
        if (c == 0) { kill(parent, SIGUSR1); _exit(0); }
        while (!got) sigsuspend(&old);
        waitpid(c, NULL, 0);
        printf("round %d got %d\n", i, got);
    }
    return 0;
}
