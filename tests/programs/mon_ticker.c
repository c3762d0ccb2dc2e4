/* rewind monitor: `mon_ticker MS` computes for MS milliseconds while an
 * interval timer sends it SIGALRM every millisecond (a handler counts them),
 * like a program with a sampling profiler; exits 0. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig) {
    (void)sig;
    ticks++;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    int ms = argc > 1 ? atoi(argv[1]) : 2000;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    double end = now_ms() + ms;
    volatile unsigned long x = 0;
    while (now_ms() < end)
        for (int i = 0; i < 10000; i++)
            x += i;
    printf("ticker done (%d ticks)\n", ticks > 0);
    return 0;
}
