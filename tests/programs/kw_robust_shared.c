/* A process-shared robust mutex in memory shared between a parent and its
 * forked child (MAP_SHARED | MAP_ANONYMOUS). The child locks it and exits
 * holding it; when the child's process dies, the kernel writes
 * FUTEX_OWNER_DIED into the mutex word, in the memory the parent shares. The
 * parent then locks it (EOWNERDEAD), makes it consistent and prints what it
 * computed. The pids change from run to run. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define FUTEX_OWNER_DIED 0x40000000u

int main(void) {
    pthread_mutex_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 2;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &attr);
    printf("parent %d\n", getpid());
    fflush(stdout);

    pid_t child = fork();
    if (child == 0) {
        pthread_mutex_lock(m);
        printf("child %d holds the mutex and exits\n", getpid());
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    unsigned word = *(volatile unsigned *)m;
    int r = pthread_mutex_lock(m);
    int c = r == EOWNERDEAD ? pthread_mutex_consistent(m) : -1;
    int u = pthread_mutex_unlock(m);
    printf("owner-died bit %s after the child's death; lock %s, consistent %d, unlock %d\n",
           word & FUTEX_OWNER_DIED ? "set" : "clear", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r), c, u);
    return r == EOWNERDEAD ? 0 : 1;
}
