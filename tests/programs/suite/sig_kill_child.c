/* kill() to a child blocked in pause with a handler, then with SIGKILL; exit statuses. */
#include "suite.h"
static void h(int s) { printf("child %d got %d\n", getpid(), s); fflush(stdout); _exit(s); }
int main(void) {
    nondet();
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { signal(SIGUSR1, h); write(p[1], "r", 1); for (;;) pause(); }
    char b; read(p[0], &b, 1);
    kill(c, SIGUSR1);
    int st; waitpid(c, &st, 0);
    printf("exit %d\n", WEXITSTATUS(st));
    c = fork();
    if (c == 0) { write(p[1], "r", 1); for (;;) pause(); }
    read(p[0], &b, 1);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    printf("killed %d sig %d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
