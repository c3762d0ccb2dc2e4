/* membarrier: query, register private expedited, issue one, with a second thread alive. */
#include "suite.h"
#include <linux/membarrier.h>
#include <pthread.h>
#include <sys/syscall.h>
static volatile int stop;
static void *work(void *a) { (void)a; while (!stop) usleep(1000); return NULL; }
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("query has private expedited %d\n", (q & MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0);
    long r = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
    long b = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
    printf("register %ld barrier %ld\n", r, b);
    stop = 1;
    pthread_join(t, NULL);
    return 0;
}
