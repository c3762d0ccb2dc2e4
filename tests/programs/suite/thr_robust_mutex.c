/* A robust mutex held by a thread that exits: the next locker gets EOWNERDEAD and makes it consistent. */
#include "suite.h"
#include <pthread.h>
static pthread_mutex_t m;
static void *holder(void *a) { (void)a; pthread_mutex_lock(&m); return NULL; }
int main(void) {
    nondet();
    pthread_mutexattr_t at; pthread_mutexattr_init(&at);
    pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &at);
    pthread_t t; pthread_create(&t, NULL, holder, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&m);
    printf("lock %d (EOWNERDEAD %d)\n", r, EOWNERDEAD);
    int c = pthread_mutex_consistent(&m);
    int u = pthread_mutex_unlock(&m);
    int l = pthread_mutex_lock(&m);
    printf("consistent %d unlock %d relock %d\n", c, u, l);
    return 0;
}
