/* A SIGCHLD handler counting children that exit; the children sleep for
 * different times. Signals can coalesce, so the count varies; the parent
 * reaps everyone with waitpid afterwards. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHILDREN 5

static volatile sig_atomic_t chlds;

static void handler(int sig) {
    (void)sig;
    chlds++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    pid_t pids[CHILDREN];
    fflush(stdout);
    for (int i = 0; i < CHILDREN; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            usleep(1000 * (CHILDREN - i));
            _exit(i + 10);
        }
    }
    /* Sleep a little (restarting after each SIGCHLD), then reap in order. */
    int reaped = 0;
    struct timespec d = {0, 2000000};
    while (nanosleep(&d, NULL) == -1 && errno == EINTR) {}
    for (int i = 0; i < CHILDREN; i++) {
        int status;
        pid_t w = waitpid(pids[i], &status, 0);
        printf("child %d (pid %d) -> %d, status %d\n", i, pids[i], w, WEXITSTATUS(status));
        reaped++;
    }
    printf("reaped %d, SIGCHLD handler ran %d times\n", reaped, (int)chlds);
    return 0;
}
