/* SIGCHLD handler reaps children with WNOHANG as they exit; si_status and si_pid reported. */
#include "suite.h"
static volatile int reaped, sum;
static void h(int s) {
    (void)s;
    int st; pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) { reaped++; sum += WEXITSTATUS(st); }
}
int main(void) {
    nondet();
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 1; i <= 4; i++) if (fork() == 0) { usleep(i * 2000); _exit(i); }
    while (reaped < 4) usleep(1000);
    printf("reaped %d sum %d\n", reaped, sum);
    return 0;
}
