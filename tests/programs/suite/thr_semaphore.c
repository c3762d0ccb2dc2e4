/* POSIX semaphores: sem_wait/sem_post ping-pong between threads, sem_trywait, sem_timedwait timeout, named semaphore. */
#include "suite.h"
#include <pthread.h>
#include <semaphore.h>
static sem_t ping, pong;
static void *other(void *a) { (void)a; for (int i = 0; i < 100; i++) { sem_wait(&ping); sem_post(&pong); } return NULL; }
int main(void) {
    nondet();
    sem_init(&ping, 0, 0); sem_init(&pong, 0, 0);
    pthread_t t; pthread_create(&t, NULL, other, NULL);
    for (int i = 0; i < 100; i++) { sem_post(&ping); sem_wait(&pong); }
    pthread_join(t, NULL);
    SHOW_ERR("trywait", sem_trywait(&pong));
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 5000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    SHOW_ERR("timedwait", sem_timedwait(&pong, &ts));
    char name[32]; snprintf(name, sizeof name, "/suite-sem-%d", getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 2);
    int v; sem_getvalue(s, &v);
    printf("named value %d\n", v);
    sem_close(s); sem_unlink(name);
    return 0;
}
