/* __thread variables and pthread keys with destructors, per thread. */
#include "suite.h"
#include <pthread.h>
static __thread int tls_value = 5;
static __thread char tls_buf[64];
static pthread_key_t key;
static volatile int destructed;
static void dtor(void *p) { (void)p; __atomic_fetch_add(&destructed, 1, __ATOMIC_SEQ_CST); }
static void *work(void *a) {
    tls_value += (int)(long)a;
    snprintf(tls_buf, sizeof tls_buf, "thread %ld", (long)a);
    pthread_setspecific(key, (void *)a);
    usleep(1000);
    printf("%s tls %d key %ld addr differs %d\n", tls_buf, tls_value, (long)pthread_getspecific(key), (void *)&tls_value != a);
    return NULL;
}
int main(void) {
    nondet();
    pthread_key_create(&key, dtor);
    pthread_t t[3];
    for (long i = 0; i < 3; i++) { pthread_create(&t[i], NULL, work, (void *)(i + 1)); pthread_join(t[i], NULL); }
    printf("main tls %d destructors %d\n", tls_value, destructed);
    return 0;
}
