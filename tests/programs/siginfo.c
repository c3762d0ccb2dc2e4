/* An SA_SIGINFO handler recording si_pid, si_uid, si_code and si_value for
 * signals from kill() in a child, sigqueue() from the parent itself, and
 * tgkill via raise(). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t n;
static siginfo_t infos[8];

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    if (n < 8) infos[n] = *si;
    n++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGRTMIN, &sa, NULL);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    while (n < 1) getpid();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    union sigval v = {.sival_int = (int)(ts.tv_nsec & 0x7fffffff)};
    sigqueue(getpid(), SIGRTMIN, v);
    raise(SIGUSR1);
    printf("child was %d, parent is %d\n", child, getpid());
    for (int i = 0; i < n && i < 8; i++)
        printf("signal %d: signo=%d code=%d pid=%d uid=%d value=%d\n", i, infos[i].si_signo, infos[i].si_code,
               infos[i].si_pid, infos[i].si_uid, infos[i].si_code == SI_QUEUE ? infos[i].si_value.sival_int : 0);
    return 0;
}
