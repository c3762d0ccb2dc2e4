/* Four threads increment a counter under a mutex; trylock contention counted. */
#include "suite.h"
#include <pthread.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long counter, busy;
static void *work(void *a) {
    (void)a;
    for (int i = 0; i < 20000; i++) {
        if (pthread_mutex_trylock(&m) != 0) { __atomic_fetch_add(&busy, 1, __ATOMIC_RELAXED); pthread_mutex_lock(&m); }
        counter++;
        pthread_mutex_unlock(&m);
    }
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("counter %ld busy %ld\n", counter, busy);
    return 0;
}
