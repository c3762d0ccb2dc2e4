/* Detached threads signal completion through a semaphore; pthread_join on one fails with EINVAL. */
#include "suite.h"
#include <pthread.h>
#include <semaphore.h>
static sem_t done;
static volatile long sum;
static void *work(void *a) { __atomic_fetch_add(&sum, (long)a, __ATOMIC_SEQ_CST); sem_post(&done); return NULL; }
int main(void) {
    nondet();
    sem_init(&done, 0, 0);
    pthread_attr_t at; pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    for (long i = 1; i <= 5; i++) pthread_create(&t, &at, work, (void *)i);
    for (int i = 0; i < 5; i++) sem_wait(&done);
    printf("sum %ld\n", sum);
    pthread_t u; pthread_create(&u, NULL, work, (void *)0);
    pthread_detach(u);
    sem_wait(&done);
    printf("detached ok\n");
    return 0;
}
