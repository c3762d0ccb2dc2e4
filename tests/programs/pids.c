/* getpid, getppid, gettid (libc and raw syscall), getpgrp, getsid, and the
 * pid fork returns, seen from both sides. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    printf("pid %d ppid %d tid %d raw tid %ld pgrp %d sid %d\n", getpid(), getppid(), gettid(),
           syscall(SYS_gettid), getpgrp(), getsid(0));
    fflush(stdout);
    int p[2];
    pipe(p);
    pid_t child = fork();
    if (child == 0) {
        pid_t me = getpid();
        write(p[1], &me, sizeof me);
        printf("child: pid %d ppid %d tid %d\n", me, getppid(), gettid());
        fflush(stdout);
        _exit(0);
    }
    pid_t reported;
    read(p[0], &reported, sizeof reported);
    int status;
    waitpid(child, &status, 0);
    printf("fork returned %d, child reported %d, same=%d\n", child, reported, child == reported);
    return child == reported ? 0 : 1;
}
