/* Readers and writers on a pthread_rwlock; the final value and read counts. */
#include "suite.h"
#include <pthread.h>
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long value, reads;
static void *reader(void *a) { (void)a; for (int i = 0; i < 5000; i++) { pthread_rwlock_rdlock(&rw); __atomic_fetch_add(&reads, value >= 0, __ATOMIC_RELAXED); pthread_rwlock_unlock(&rw); } return NULL; }
static void *writer(void *a) { (void)a; for (int i = 0; i < 5000; i++) { pthread_rwlock_wrlock(&rw); value++; pthread_rwlock_unlock(&rw); } return NULL; }
int main(void) {
    nondet();
    pthread_t t[4];
    pthread_create(&t[0], NULL, reader, NULL); pthread_create(&t[1], NULL, writer, NULL);
    pthread_create(&t[2], NULL, reader, NULL); pthread_create(&t[3], NULL, writer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    printf("value %ld reads %ld\n", value, reads);
    return 0;
}
