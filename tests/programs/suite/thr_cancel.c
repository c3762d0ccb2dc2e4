/* pthread_cancel of a thread blocked in read (a cancellation point); cleanup handler runs. */
#include "suite.h"
#include <pthread.h>
static int p[2];
static volatile int cleaned;
static void cleanup(void *a) { (void)a; cleaned = 1; }
static void *work(void *a) {
    (void)a;
    pthread_cleanup_push(cleanup, NULL);
    char b; read(p[0], &b, 1);
    pthread_cleanup_pop(0);
    return NULL;
}
int main(void) {
    nondet();
    pipe(p);
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    usleep(10000);
    pthread_cancel(t);
    void *r; pthread_join(t, &r);
    printf("canceled %d cleaned %d\n", r == PTHREAD_CANCELED, cleaned);
    return 0;
}
