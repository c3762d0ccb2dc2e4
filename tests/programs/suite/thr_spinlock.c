/* pthread_spin_lock contention between 3 threads. */
#include "suite.h"
#include <pthread.h>
static pthread_spinlock_t s;
static long counter;
static void *work(void *a) { (void)a; for (int i = 0; i < 3000; i++) { pthread_spin_lock(&s); counter++; pthread_spin_unlock(&s); if (i % 1000 == 0) sched_yield(); } return NULL; }
int main(void) {
    nondet();
    pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, work, NULL);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    printf("counter %ld\n", counter);
    return 0;
}
