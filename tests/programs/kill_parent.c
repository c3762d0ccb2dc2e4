/* A child sends SIGUSR1 (and SIGUSR2) to its parent with kill(getppid(), ...);
 * the parent has handlers and waits for the child. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, usr2;

static void handler(int sig) {
    if (sig == SIGUSR1) usr1++;
    else usr2++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        kill(getppid(), SIGUSR1);
        usleep(2000);
        kill(getppid(), SIGUSR2);
        _exit(0);
    }
    /* Busy work with syscalls while the signals arrive. */
    unsigned long spins = 0;
    while (usr2 == 0) {
        getpid();
        spins++;
    }
    int status;
    waitpid(child, &status, 0);
    printf("child %d sent signals: usr1=%d usr2=%d after %lu spins\n", child, (int)usr1, (int)usr2, spins);
    return 0;
}
