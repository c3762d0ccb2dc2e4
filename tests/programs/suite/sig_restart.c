/* A read on a pipe interrupted by a signal: restarted with SA_RESTART, EINTR without. */
#include "suite.h"
static void h(int s) { (void)s; }
static void run(int flags) {
    struct sigaction sa = {.sa_handler = h, .sa_flags = flags};
    sigaction(SIGUSR1, &sa, NULL);
    int p[2]; pipe(p);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { usleep(15000); kill(parent, SIGUSR1); usleep(15000); write(p[1], "d", 1); _exit(0); }
    char b = 0;
    ssize_t r = read(p[0], &b, 1);
    printf("flags %x: read %zd errno %d byte %c\n", flags, r, r < 0 ? errno : 0, r > 0 ? b : '-');
    waitpid(c, NULL, 0);
    close(p[0]); close(p[1]);
}
int main(void) {
    nondet();
    run(SA_RESTART);
    run(0);
    return 0;
}
