/* Lock-free atomic counters and compare-exchange from 4 threads, with a non-atomic racing counter too. */
#include "suite.h"
#include <pthread.h>
static long atomic_ctr, cas_ctr;
static volatile long racy;
static void *work(void *a) {
    (void)a;
    for (int i = 0; i < 100000; i++) {
        __atomic_fetch_add(&atomic_ctr, 1, __ATOMIC_SEQ_CST);
        long old = __atomic_load_n(&cas_ctr, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_ctr, &old, old + 2, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {}
        racy = racy + 1;
    }
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("atomic %ld cas %ld racy %ld\n", atomic_ctr, cas_ctr, racy);
    return 0;
}
