/* A single thread spins without syscalls until a timer's signal handler sets a
 * flag: the signal must be delivered in the middle of the loop (at a point the
 * recorder preempts the thread at), three times. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t fired;

static void on_alarm(int sig) { (void)sig; fired++; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int round = 1; round <= 3; round++) {
        struct itimerval it = {.it_value = {0, 3000 * round}};
        setitimer(ITIMER_REAL, &it, NULL);
        while (fired < round) {
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%d alarms caught while spinning, after %ld us\n", (int)fired,
           (t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000);
    return 0;
}
