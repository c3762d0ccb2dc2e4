/* 100 short-lived threads created in waves, each adding its tid parity to a total. */
#include "suite.h"
#include <pthread.h>
#include <sys/syscall.h>
static long total, odd;
static void *work(void *a) { __atomic_fetch_add(&total, (long)a, __ATOMIC_SEQ_CST); __atomic_fetch_add(&odd, syscall(SYS_gettid) & 1, __ATOMIC_SEQ_CST); return NULL; }
int main(void) {
    nondet();
    for (int wave = 0; wave < 5; wave++) {
        pthread_t t[20];
        for (long i = 0; i < 20; i++) pthread_create(&t[i], NULL, work, (void *)(wave * 20 + i));
        for (int i = 0; i < 20; i++) pthread_join(t[i], NULL);
    }
    printf("total %ld odd tids %ld\n", total, odd);
    return 0;
}
