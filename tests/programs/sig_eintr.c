/* Signals interrupting blocking syscalls: a read on an empty pipe without
 * SA_RESTART fails with EINTR; with SA_RESTART it is restarted and completes
 * when a child writes; nanosleep interrupted by a signal reports the time left. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void handler(int sig) {
    (void)sig;
    alarms++;
}

static void set_handler(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, NULL);
}

static void alarm_in_ms(int ms) {
    struct itimerval it = {.it_value = {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void) {
    int p[2];
    pipe(p);
    char c;

    set_handler(0);
    alarm_in_ms(5);
    ssize_t n = read(p[0], &c, 1);
    printf("read without SA_RESTART: %zd errno %s alarms %d\n", n, n < 0 ? strerror(errno) : "-", (int)alarms);

    set_handler(SA_RESTART);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(30000);
        write(p[1], "x", 1);
        _exit(0);
    }
    alarm_in_ms(5);
    n = read(p[0], &c, 1);
    printf("read with SA_RESTART: %zd '%c' alarms %d (child %d)\n", n, n == 1 ? c : '?', (int)alarms, child);
    waitpid(child, NULL, 0);

    alarm_in_ms(3);
    struct timespec req = {0, 200000000}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    printf("nanosleep: %d errno %s, %ld ns left, alarms %d\n", r, r ? strerror(errno) : "-", rem.tv_nsec, (int)alarms);
    return 0;
}
