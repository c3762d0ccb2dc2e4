/* Many threads created and joined: 64 threads at once, each noting its tid,
 * the time and the order it finished in; then 3 rounds of 16 more. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define N 64
static atomic_int finished;
static struct { int tid, rank; long ns; } info[N];

static void *worker(void *arg) {
    long i = (long)arg;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long x = (unsigned long)i;
    for (int k = 0; k < 10000 * (int)(i % 7); k++) x = x * 6364136223846793005UL + 1;
    info[i].tid = gettid();
    info[i].ns = ts.tv_nsec + (long)(x & 1);
    info[i].rank = atomic_fetch_add(&finished, 1);
    return (void *)(i * i);
}

int main(void) {
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i)) return 2;
    long sum = 0;
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(t[i], &r);
        sum += (long)r;
    }
    unsigned long h = 0;
    for (int i = 0; i < N; i++) h = h * 1000003 + (unsigned long)(info[i].tid * 131 + info[i].rank) + (unsigned long)info[i].ns;
    printf("%d threads, sum %ld, hash %016lx\n", atomic_load(&finished), sum, h);
    for (int round = 0; round < 3; round++) {
        for (long i = 0; i < 16; i++) pthread_create(&t[i], NULL, worker, (void *)i);
        for (int i = 0; i < 16; i++) pthread_join(t[i], NULL);
    }
    printf("after rounds: %d finished; last tid %d\n", atomic_load(&finished), info[15].tid);
    return 0;
}
