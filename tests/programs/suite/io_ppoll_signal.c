/* ppoll interrupted by a signal unblocked only during the call (EINTR, handler ran). */
#include "suite.h"
#include <poll.h>
static volatile sig_atomic_t got;
static void h(int s) { got = s; }
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    sigset_t block, empty;
    sigemptyset(&block); sigaddset(&block, SIGUSR1); sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, NULL);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { usleep(20000); kill(parent, SIGUSR1); _exit(0); }
    int p[2]; pipe(p);
    struct pollfd f = {p[0], POLLIN, 0};
    struct timespec ts = {5, 0};
    int r = ppoll(&f, 1, &ts, &empty);
    printf("ppoll %d errno %d got %d\n", r, errno, got);
    waitpid(c, NULL, 0);
    return 0;
}
