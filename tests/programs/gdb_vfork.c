/* For the gdb tests: vfork, and the child (sharing the parent's memory until
 * it execs) calls execl; the parent prints the child's pid and status.
 * LINE_* comments mark lines the tests use. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    fflush(stdout);
    pid_t pid = vfork(); /* LINE_VFORK */
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int status = 0; /* LINE_AFTER_VFORK */
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    printf("vfork child %d exited with %d\n", (int)pid, WEXITSTATUS(status));
    return 0;
}
