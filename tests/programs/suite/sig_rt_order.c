/* Real-time signals queued while blocked are delivered lowest number first, each instance kept. */
#include "suite.h"
static int order[16], n;
static void h(int s, siginfo_t *si, void *u) { (void)u; if (n < 16) order[n++] = (s - SIGRTMIN) * 100 + si->si_value.sival_int; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigset_t m; sigemptyset(&m);
    for (int i = 0; i < 3; i++) { sigaction(SIGRTMIN + i, &sa, NULL); sigaddset(&m, SIGRTMIN + i); }
    sigprocmask(SIG_BLOCK, &m, NULL);
    int seq[] = {2, 0, 1, 2, 0};
    for (int i = 0; i < 5; i++) { union sigval v = {.sival_int = i}; sigqueue(getpid(), SIGRTMIN + seq[i], v); }
    sigprocmask(SIG_UNBLOCK, &m, NULL);
    printf("delivered %d:", n);
    for (int i = 0; i < n; i++) printf(" %d", order[i]);
    printf("\n");
    return 0;
}
