/* SIGTERM (default action) to a process with blocked threads: the whole process dies by the signal. */
#include "suite.h"
#include <pthread.h>
/* SUITE_EXIT 143 */
static void *work(void *a) { (void)a; pause(); return NULL; }
int main(void) {
    nondet();
    pthread_t t;
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, work, NULL);
    usleep(10000);
    printf("sending SIGTERM\n");
    kill(getpid(), SIGTERM);
    pause();
    return 0;
}
