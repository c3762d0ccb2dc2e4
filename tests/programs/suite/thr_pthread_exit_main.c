/* The main thread calls pthread_exit; the process lives until the last thread returns. */
#include "suite.h"
#include <pthread.h>
static void *work(void *a) { (void)a; usleep(20000); printf("worker finishing at %lld\n", now_ns(CLOCK_MONOTONIC) % 1000000); fflush(stdout); return NULL; }
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    printf("main leaving\n");
    fflush(stdout);
    pthread_exit(NULL);
}
