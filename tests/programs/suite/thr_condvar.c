/* Producer/consumer over a bounded queue with two condition variables; timed wait timing out. */
#include "suite.h"
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static int q[4], head, count;
static void *producer(void *a) {
    (void)a;
    for (int i = 1; i <= 200; i++) {
        pthread_mutex_lock(&m);
        while (count == 4) pthread_cond_wait(&notfull, &m);
        q[(head + count++) % 4] = i;
        pthread_cond_signal(&notempty);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, producer, NULL);
    long sum = 0;
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&m);
        while (count == 0) pthread_cond_wait(&notempty, &m);
        sum += q[head]; head = (head + 1) % 4; count--;
        pthread_cond_signal(&notfull);
        pthread_mutex_unlock(&m);
    }
    pthread_join(t, NULL);
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 10000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&m);
    int r = pthread_cond_timedwait(&notempty, &m, &ts);
    pthread_mutex_unlock(&m);
    printf("sum %ld timedwait %d\n", sum, r);
    return 0;
}
