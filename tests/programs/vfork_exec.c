/* vfork + execve of /bin/echo; the parent then waits. */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(void) {
    char arg[64];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(arg, sizeof arg, "echo says %ld", ts.tv_nsec);
    printf("parent %d before vfork\n", getpid());
    fflush(stdout);
    pid_t child = vfork();
    if (child < 0) { perror("vfork"); return 1; }
    if (child == 0) {
        char *argv[] = {"/bin/echo", arg, NULL};
        execve("/bin/echo", argv, environ);
        _exit(127);
    }
    int status;
    waitpid(child, &status, 0);
    printf("child %d exited with %d\n", child, WEXITSTATUS(status));
    return WEXITSTATUS(status);
}
