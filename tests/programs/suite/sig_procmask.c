/* sigprocmask blocks a signal; it stays pending (sigpending) until unblocked, then the handler runs. */
#include "suite.h"
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    sigset_t m, old, pend;
    sigemptyset(&m); sigaddset(&m, SIGUSR1);
    sigprocmask(SIG_BLOCK, &m, &old);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("pending %d got %d\n", sigismember(&pend, SIGUSR1), got);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("after unblock got %d\n", got);
    sigset_t cur; sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("blocked now %d\n", sigismember(&cur, SIGUSR1));
    return 0;
}
