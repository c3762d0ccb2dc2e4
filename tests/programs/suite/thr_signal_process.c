/* A process-directed signal with several threads: exactly one thread (the one not blocking it) handles it. */
#include "suite.h"
#include <pthread.h>
#include <sys/syscall.h>
static volatile pid_t handled_by, worker;
static volatile int stop;
static void h(int s) { (void)s; handled_by = syscall(SYS_gettid); }
static void *work(void *a) { (void)a; worker = syscall(SYS_gettid); while (!stop) usleep(1000); return NULL; }
int main(void) {
    nondet();
    signal(SIGUSR2, h);
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    while (!worker) usleep(1000);
    sigset_t m; sigemptyset(&m); sigaddset(&m, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &m, NULL);
    kill(getpid(), SIGUSR2);
    while (!handled_by) usleep(1000);
    stop = 1;
    pthread_join(t, NULL);
    printf("handled by worker %d main %d\n", handled_by == worker, handled_by == getpid());
    return 0;
}
