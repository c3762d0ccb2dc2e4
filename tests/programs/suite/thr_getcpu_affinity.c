/* Threads query sched_getcpu and pthread_getaffinity_np, name themselves with pthread_setname_np. */
#include "suite.h"
#include <pthread.h>
#include <sched.h>
static void *work(void *a) {
    char name[16]; snprintf(name, sizeof name, "suite-%ld", (long)a);
    pthread_setname_np(pthread_self(), name);
    char got[16]; pthread_getname_np(pthread_self(), got, sizeof got);
    cpu_set_t s; pthread_getaffinity_np(pthread_self(), sizeof s, &s);
    printf("%s cpu>=0 %d cpus %d\n", got, sched_getcpu() >= 0, CPU_COUNT(&s));
    return NULL;
}
int main(void) {
    nondet();
    pthread_t t[2];
    for (long i = 0; i < 2; i++) { pthread_create(&t[i], NULL, work, (void *)i); pthread_join(t[i], NULL); }
    return 0;
}
