/* pthread_barrier across 4 threads for several rounds; exactly one serial thread per round. */
#include "suite.h"
#include <pthread.h>
static pthread_barrier_t b;
static int serial, arrived[5];
static void *work(void *a) {
    (void)a;
    for (int r = 0; r < 5; r++) {
        __atomic_fetch_add(&arrived[r], 1, __ATOMIC_SEQ_CST);
        if (pthread_barrier_wait(&b) == PTHREAD_BARRIER_SERIAL_THREAD) __atomic_fetch_add(&serial, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}
int main(void) {
    nondet();
    pthread_barrier_init(&b, NULL, 4);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("serial %d arrived %d %d %d %d %d\n", serial, arrived[0], arrived[1], arrived[2], arrived[3], arrived[4]);
    return 0;
}
