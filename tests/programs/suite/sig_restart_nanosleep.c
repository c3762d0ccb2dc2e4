/* A SA_RESTART handler interrupts clock_nanosleep, which is never restarted after a handler:
 * EINTR with the time left written back. */
#include "suite.h"
static volatile int got;
static void h(int s) { (void)s; got++; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { usleep(10000); kill(parent, SIGUSR1); _exit(0); }
    long long t0 = now_ns(CLOCK_MONOTONIC);
    struct timespec d = {0, 60000000};
    int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, &d);
    long long dt = now_ns(CLOCK_MONOTONIC) - t0;
    printf("clock_nanosleep %d handler ran %d left %ld ns, slept %lld ns\n", r, got, d.tv_nsec, dt);
    waitpid(c, NULL, 0);
    return 0;
}
