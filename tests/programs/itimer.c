/* setitimer(ITIMER_REAL, 1 ms) with a SIGALRM handler counting, while the main
 * loop does work and syscalls (getppid) until the handler has run N times.
 * How many loop iterations that takes differs from run to run. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define N 50

static volatile sig_atomic_t alarms;

static void handler(int sig) {
    (void)sig;
    alarms++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_interval = {0, 1000}, .it_value = {0, 1000}};
    if (setitimer(ITIMER_REAL, &it, NULL)) { perror("setitimer"); return 1; }
    unsigned long iterations = 0, hash = 0, ppid_sum = 0;
    unsigned long seen[N + 1];
    int nseen = 0, last = 0;
    while (alarms < N) {
        for (int i = 0; i < 1000; i++) hash = hash * 6364136223846793005UL + 1442695040888963407UL + i;
        ppid_sum += getppid();
        iterations++;
        if (alarms != last && nseen <= N) {
            last = alarms;
            seen[nseen++] = iterations;
        }
    }
    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("%d alarms after %lu iterations (hash %016lx, ppid sum %lu)\n", (int)alarms, iterations, hash, ppid_sum);
    printf("iterations at which the count changed:");
    for (int i = 0; i < nseen; i++) printf(" %lu", seen[i]);
    printf("\n");
    return 0;
}
