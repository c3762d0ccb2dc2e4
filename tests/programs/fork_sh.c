/* fork + execl("/bin/sh", "-c", ...): the shell itself forks date and echo. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    printf("parent %d\n", getpid());
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        execl("/bin/sh", "sh", "-c", "echo shell pid $$; date +%s%N; echo done | cat", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(child, &status, 0);
    printf("sh %d exited with %d\n", child, WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
