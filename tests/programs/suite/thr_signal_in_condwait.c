/* A signal handled by a thread blocked in pthread_cond_wait; the wait continues until signalled. */
#include "suite.h"
#include <pthread.h>
#include <sys/syscall.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static volatile int ready, go, handled;
static void h(int s) { (void)s; handled++; }
static void *work(void *a) {
    (void)a;
    pthread_mutex_lock(&m);
    ready = 1;
    while (!go) pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    return NULL;
}
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    while (!ready) usleep(1000);
    usleep(5000);
    pthread_kill(t, SIGUSR1);
    while (!handled) usleep(1000);
    pthread_mutex_lock(&m); go = 1; pthread_cond_signal(&c); pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("handled %d and joined\n", handled);
    return 0;
}
