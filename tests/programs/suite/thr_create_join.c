/* pthread_create/join with return values; thread ids differ from the process id. */
#include "suite.h"
#include <pthread.h>
#include <sys/syscall.h>
static void *work(void *a) { long i = (long)a; return (void *)(i * 10 + (syscall(SYS_gettid) != getpid())); }
int main(void) {
    nondet();
    pthread_t t[4];
    for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, (void *)i);
    for (int i = 0; i < 4; i++) { void *r; pthread_join(t[i], &r); printf("thread %d returned %ld\n", i, (long)r); }
    return 0;
}
