/* The process kills itself with SIGTERM after blocking and unblocking it. */
#include "suite.h"
/* SUITE_EXIT 143 */
int main(void) {
    nondet();
    fflush(stdout);
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGTERM);
    sigprocmask(SIG_BLOCK, &m, NULL);
    kill(getpid(), SIGTERM);
    printf("still alive while blocked\n");
    fflush(stdout);
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("not reached\n");
    return 0;
}
