/* vfork+exec from a second thread while the main thread keeps running. */
#include "suite.h"
#include <pthread.h>
static volatile int main_ticks;
static void *work(void *a) {
    (void)a;
    pid_t c = vfork();
    if (c == 0) { execlp("sh", "sh", "-c", "echo vforked shell $$", (char *)0); _exit(127); }
    int st; waitpid(c, &st, 0);
    return (void *)(long)WEXITSTATUS(st);
}
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    for (int i = 0; i < 5; i++) { main_ticks++; usleep(2000); }
    void *r; pthread_join(t, &r);
    printf("child exit %ld main ticks %d\n", (long)r, main_ticks);
    return 0;
}
