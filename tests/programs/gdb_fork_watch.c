/* For the gdb tests: the global `progress` changes before and after a fork
 * (1, 2, 3 in the parent; 100 in the child, which has its own copy). The
 * parent prints the child's pid. LINE_* comments mark lines the tests use. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int progress = 0;

int main(void)
{
    progress = 1; /* LINE_PROGRESS_1 */
    fflush(stdout);
    pid_t pid = fork(); /* LINE_FORK */
    if (pid < 0)
        return 1;
    if (pid == 0) {
        progress = 100; /* LINE_CHILD */
        printf("child: progress %d\n", progress);
        fflush(stdout);
        _exit(0);
    }
    progress = 2; /* LINE_PROGRESS_2 */
    printf("parent: child pid %d\n", (int)pid);
    fflush(stdout);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    progress = 3; /* LINE_PROGRESS_3 */
    int child_status = WEXITSTATUS(status);
    printf("parent: progress %d, child status %d\n", progress, child_status); /* LINE_DONE */
    return 0;
}
