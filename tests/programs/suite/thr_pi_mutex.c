/* A priority-inheritance mutex (the kernel writes the owner's tid into the lock word) under contention. */
#include "suite.h"
#include <pthread.h>
static pthread_mutex_t m;
static long counter;
static void *work(void *a) { (void)a; for (int i = 0; i < 2000; i++) { pthread_mutex_lock(&m); counter++; if (i % 500 == 0) usleep(100); pthread_mutex_unlock(&m); } return NULL; }
int main(void) {
    nondet();
    pthread_mutexattr_t at; pthread_mutexattr_init(&at);
    pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&m, &at);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("counter %ld\n", counter);
    return 0;
}
