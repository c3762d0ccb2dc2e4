/* Several threads fault at the same moment: one crash must be stored, and
 * the process must die of it as without a monitor.
 * Usage: mon_twocrash THREADS */
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t start;

static void *crash(void *arg) {
    pthread_barrier_wait(&start);
    *(volatile long *)0 = (long)arg;
    return 0;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4;
    pthread_barrier_init(&start, 0, (unsigned)n);
    pthread_t t[64];
    for (int i = 1; i < n && i < 64; i++) pthread_create(&t[i], 0, crash, (void *)(long)i);
    crash(0);
    return 0;
}
