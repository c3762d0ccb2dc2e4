/* SIGSTOP/SIGCONT to a child seen through waitpid WUNTRACED/WCONTINUED. */
#include "suite.h"
int main(void) {
    nondet();
    pid_t c = fork();
    if (c == 0) { for (;;) pause(); }
    kill(c, SIGSTOP);
    int st; waitpid(c, &st, WUNTRACED);
    printf("stopped %d by %d\n", WIFSTOPPED(st), WSTOPSIG(st));
    kill(c, SIGCONT);
    waitpid(c, &st, WCONTINUED);
    printf("continued %d\n", WIFCONTINUED(st));
    kill(c, SIGTERM);
    waitpid(c, &st, 0);
    printf("terminated %d (child %d)\n", WTERMSIG(st), c);
    return 0;
}
