/* The parent blocks SIGUSR1, forks, and sigsuspends with an empty mask until a
 * child sends SIGUSR1. Repeated a few times. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void handler(int sig) {
    (void)sig;
    got++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, empty, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigemptyset(&empty);
    sigprocmask(SIG_BLOCK, &block, &old);
    for (int i = 0; i < 3; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            usleep(1000 + 1000 * i);
            kill(getppid(), SIGUSR1);
            _exit(0);
        }
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = sigsuspend(&empty);
        clock_gettime(CLOCK_MONOTONIC, &b);
        long us = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
        waitpid(child, NULL, 0);
        printf("round %d: child %d, sigsuspend returned %d, got=%d, waited %ld us\n", i, child, r, (int)got, us);
    }
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("SIGUSR1 still blocked: %d\n", sigismember(&now, SIGUSR1));
    return 0;
}
