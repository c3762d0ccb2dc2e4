/* execve from a second thread: other threads vanish, the program runs echo with the old pid. */
#include "suite.h"
#include <pthread.h>
static void *work(void *a) {
    (void)a;
    char msg[64]; snprintf(msg, sizeof msg, "exec from thread of %d", getpid());
    execlp("echo", "echo", msg, (char *)0);
    return NULL;
}
int main(void) {
    nondet();
    fflush(stdout);
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    for (;;) pause();
}
