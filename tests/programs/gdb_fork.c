/* For the gdb tests: forks; the parent prints the child's pid. Without an
 * argument the child calls child_work(14) itself (and execs nothing); with an
 * argument the child execs that program with the argument "7". */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int child_result;

int child_work(int seed)
{
    child_result = seed * 3; /* LINE_CHILD_WORK */
    return child_result;
}

int main(int argc, char **argv)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        if (argc > 1) {
            execl(argv[1], argv[1], "7", (char *)NULL);
            _exit(127);
        }
        child_work(14);
        printf("child: result %d\n", child_result);
        fflush(stdout);
        _exit(0);
    }
    printf("parent: child pid %d\n", (int)pid);
    fflush(stdout);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    printf("parent: child exited with %d\n", WEXITSTATUS(status));
    return 0;
}
