/* O_ASYNC with F_SETOWN/F_SETSIG: data arriving on a pipe from a child raises a signal carrying the fd. */
#include "suite.h"
static volatile int got_fd = -1, got_sig;
static void h(int s, siginfo_t *si, void *u) { (void)u; got_sig = s; got_fd = si->si_fd; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGRTMIN + 2, &sa, NULL);
    int p[2]; CHECK(pipe(p) == 0);
    CHECK(fcntl(p[0], F_SETOWN, getpid()) == 0);
    CHECK(fcntl(p[0], F_SETSIG, SIGRTMIN + 2) == 0);
    CHECK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC | O_NONBLOCK) == 0);
    pid_t c = fork();
    if (c == 0) { usleep(10000); write(p[1], "s", 1); _exit(0); }
    while (got_sig == 0) usleep(1000);
    printf("signal %d for fd %d (pipe %d)\n", got_sig - SIGRTMIN, got_fd, p[0]);
    waitpid(c, NULL, 0);
    return 0;
}
