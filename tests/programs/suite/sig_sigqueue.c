/* sigqueue with values to self and from a child; the handler records si_value and si_pid. */
#include "suite.h"
static volatile int vals[8], n;
static void h(int s, siginfo_t *si, void *u) { (void)s; (void)u; if (n < 8) vals[n++] = si->si_value.sival_int; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGRTMIN + 1, &sa, NULL);
    union sigval v = {.sival_int = getpid()};
    sigqueue(getpid(), SIGRTMIN + 1, v);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { union sigval w = {.sival_int = getpid() + 1}; sigqueue(parent, SIGRTMIN + 1, w); _exit(0); }
    waitpid(c, NULL, 0);
    while (n < 2) usleep(1000);
    printf("values %d %d (child+1 %d)\n", vals[0], vals[1], vals[1] == c + 1);
    return 0;
}
