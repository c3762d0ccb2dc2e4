/* Threads sleeping different lengths finish in order of their sleep; a condvar broadcast wakes all. */
#include "suite.h"
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int go, order[4], n;
static void *work(void *a) {
    long i = (long)a;
    pthread_mutex_lock(&m); while (!go) pthread_cond_wait(&c, &m); pthread_mutex_unlock(&m);
    usleep((4 - i) * 8000);
    pthread_mutex_lock(&m); order[n++] = (int)i; pthread_mutex_unlock(&m);
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, (void *)i);
    usleep(5000);
    pthread_mutex_lock(&m); go = 1; pthread_cond_broadcast(&c); pthread_mutex_unlock(&m);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("order %d %d %d %d\n", order[0], order[1], order[2], order[3]);
    return 0;
}
