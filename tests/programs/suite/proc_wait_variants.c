/* waitpid WNOHANG before exit, wait4 with rusage, waitid WEXITED|WNOWAIT then reap. */
#include "suite.h"
#include <sys/resource.h>
int main(void) {
    nondet();
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { char b; read(p[0], &b, 1); _exit(b); }
    int st = 0;
    printf("WNOHANG %d\n", waitpid(c, &st, WNOHANG));
    write(p[1], "\x05", 1);
    siginfo_t si = {0};
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    printf("waitid nowait pid ok %d status %d\n", si.si_pid == c, si.si_status);
    struct rusage ru;
    pid_t r = wait4(c, &st, 0, &ru);
    printf("wait4 %d exit %d maxrss>0 %d\n", r == c, WEXITSTATUS(st), ru.ru_maxrss > 0);
    SHOW_ERR("no children", wait(NULL));
    return 0;
}
