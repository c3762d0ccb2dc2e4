/* Process-shared robust mutexes in memory shared between a parent and its
 * forked children (MAP_SHARED | MAP_ANONYMOUS). Each child locks one and dies
 * holding it: the first exits (exit_group), the second is killed by a signal
 * (SIGTERM, default action). When a child's process dies, the kernel writes
 * FUTEX_OWNER_DIED into the mutex word, in the memory the parent shares. The
 * parent then locks each (EOWNERDEAD), makes it consistent and prints what it
 * computed. The pids change from run to run. Exits 0 if both were EOWNERDEAD. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUTEX_OWNER_DIED 0x40000000u

/* Forks a child that locks `m` and dies holding it (by signal if `killed`);
 * then locks `m` and reports. Returns whether the lock said EOWNERDEAD. */
static int outlive(pthread_mutex_t *m, int killed) {
    pid_t child = fork();
    if (child == 0) {
        pthread_mutex_lock(m);
        printf("child %d holds the mutex and %s\n", getpid(), killed ? "is killed" : "exits");
        fflush(stdout);
        if (killed)
            kill(getpid(), SIGTERM);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    unsigned word = *(volatile unsigned *)m;
    int r = pthread_mutex_lock(m);
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(m) : -1;
    int u = pthread_mutex_unlock(m);
    printf("child %s; owner-died bit %s after its death; lock %s, consistent %d, unlock %d\n",
           WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited",
           word & FUTEX_OWNER_DIED ? "set" : "clear", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r),
           c, u);
    fflush(stdout); /* before the next fork */
    return r == EOWNERDEAD;
}

int main(void) {
    pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 2;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m[0], &attr);
    pthread_mutex_init(&m[1], &attr);
    printf("parent %d\n", getpid());
    fflush(stdout);
    int exited = outlive(&m[0], 0);
    int killed = outlive(&m[1], 1);
    return exited && killed ? 0 : 1;
}
