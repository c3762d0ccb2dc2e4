/* futex WAIT/WAKE directly: a thread waits on a word, main wakes it; FUTEX_WAIT with a timeout; EAGAIN on a changed value. */
#include "suite.h"
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
static int word;
static long fut(int *a, int op, int v, struct timespec *t) { return syscall(SYS_futex, a, op, v, t, NULL, 0); }
static void *waiter(void *a) { (void)a; while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0) fut(&word, FUTEX_WAIT_PRIVATE, 0, NULL); return NULL; }
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, waiter, NULL);
    usleep(10000);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    long woke = fut(&word, FUTEX_WAKE_PRIVATE, 1, NULL);
    pthread_join(t, NULL);
    printf("woke %ld\n", woke <= 1 ? 1L : woke);
    struct timespec ts = {0, 5000000};
    long r = fut(&word, FUTEX_WAIT_PRIVATE, 1, &ts);
    printf("timed wait %ld errno %d\n", r, errno);
    r = fut(&word, FUTEX_WAIT_PRIVATE, 7, &ts);
    printf("wrong value %ld errno %d\n", r, errno);
    return 0;
}
