/* setpgid/getpgid/setsid/getsid in a child; kill of a whole process group. */
#include "suite.h"
int main(void) {
    nondet();
    printf("pgid==pid %d sid %d\n", getpgid(0) == getpid(), getsid(0) > 0);
    pid_t c = fork();
    if (c == 0) {
        pid_t s = setsid();
        printf("child setsid %d is self %d sid %d pgrp %d\n", s > 0, s == getpid(), getsid(0) == getpid(), getpgrp() == getpid());
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    pid_t g1 = fork();
    if (g1 == 0) { setpgid(0, 0); pause(); _exit(0); }
    setpgid(g1, g1);
    pid_t g2 = fork();
    if (g2 == 0) { setpgid(0, g1); pause(); _exit(0); }
    setpgid(g2, g1);
    printf("g2 in group %d\n", getpgid(g2) == g1);
    kill(-g1, SIGTERM);
    int st1, st2;
    waitpid(g1, &st1, 0); waitpid(g2, &st2, 0);
    printf("both killed by %d %d (g1 %d)\n", WTERMSIG(st1), WTERMSIG(st2), g1);
    return 0;
}
