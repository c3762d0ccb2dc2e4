/* SIG_IGN survives fork and exec'd shell; default SIGCHLD/SIGWINCH ignored; SIGUSR1 ignored. */
#include "suite.h"
int main(void) {
    nondet();
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    raise(SIGWINCH);
    raise(SIGCHLD);
    printf("survived ignored signals\n");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { execlp("sh", "sh", "-c", "kill -USR1 $$; echo shell survived $$", (char *)0); _exit(127); }
    int st; waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    return 0;
}
