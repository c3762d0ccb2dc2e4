/* pthread_kill to a specific thread: its handler runs on that thread (gettid checked). */
#include "suite.h"
#include <pthread.h>
#include <sys/syscall.h>
static volatile pid_t handler_tid, worker_tid;
static volatile int stop;
static void h(int s) { (void)s; handler_tid = syscall(SYS_gettid); }
static void *work(void *a) { (void)a; worker_tid = syscall(SYS_gettid); while (!stop) usleep(1000); return NULL; }
int main(void) {
    nondet();
    signal(SIGUSR1, h);
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    while (!worker_tid) usleep(1000);
    pthread_kill(t, SIGUSR1);
    while (!handler_tid) usleep(1000);
    stop = 1;
    pthread_join(t, NULL);
    printf("handler ran on worker %d (tid %d)\n", handler_tid == worker_tid, worker_tid);
    return 0;
}
