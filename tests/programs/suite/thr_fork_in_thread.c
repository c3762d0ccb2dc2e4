/* fork() from a non-main thread: the child has one thread and exits; the parent thread waits. */
#include "suite.h"
#include <pthread.h>
#include <dirent.h>
static void *work(void *a) {
    (void)a;
    pid_t c = fork();
    if (c == 0) {
        int n = 0; DIR *d = opendir("/proc/self/task"); struct dirent *e;
        while ((e = readdir(d))) n += e->d_name[0] != '.';
        printf("child %d threads %d\n", getpid(), n);
        fflush(stdout);
        _exit(n);
    }
    int st; waitpid(c, &st, 0);
    return (void *)(long)WEXITSTATUS(st);
}
int main(void) {
    nondet();
    pthread_t t; pthread_create(&t, NULL, work, NULL);
    void *r; pthread_join(t, &r);
    printf("child reported %ld threads\n", (long)r);
    return 0;
}
