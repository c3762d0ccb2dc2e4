/* A multi-threaded program (not supported by the recorder yet, issue 4): two
 * threads each print their tid and a time-derived value, then join. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static void *worker(void *arg) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    printf("thread %ld tid %d at %ld\n", (long)arg, gettid(), ts.tv_nsec);
    return NULL;
}

int main(void) {
    pthread_t t[2];
    for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    printf("main %d joined\n", getpid());
    return 0;
}
