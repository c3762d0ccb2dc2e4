/* fork + waitpid: the child prints its pids and exits with a status derived
 * from its pid; the parent reports what waitpid returned. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    printf("parent pid %d\n", getpid());
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        printf("child pid %d ppid %d\n", getpid(), getppid());
        fflush(stdout);
        _exit(getpid() % 100);
    }
    int status;
    pid_t w = waitpid(child, &status, 0);
    printf("fork returned %d, waitpid returned %d, exited=%d status=%d (expected %d)\n",
           child, w, WIFEXITED(status), WEXITSTATUS(status), child % 100);
    return WEXITSTATUS(status) == child % 100 ? 0 : 1;
}
