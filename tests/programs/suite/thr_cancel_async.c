/* Asynchronous cancellation of a thread spinning without syscalls. */
#include "suite.h"
#include <pthread.h>
static volatile unsigned long spins;
static void *work(void *a) {
    (void)a;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    for (;;) spins++;
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    while (spins < 100000) sched_yield();
    pthread_cancel(t);
    void *r; pthread_join(t, &r);
    printf("canceled %d spins>0 %d\n", r == PTHREAD_CANCELED, spins > 0);
    return 0;
}
