/* A tree of forks (children and grandchildren) each printing its pid and parent, waited in order. */
#include "suite.h"
int main(void) {
    nondet();
    for (int i = 0; i < 3; i++) {
        pid_t c = fork();
        if (c == 0) {
            pid_t g = fork();
            if (g == 0) { printf("grandchild %d of %d ppid %d\n", i, getpid(), getppid()); fflush(stdout); _exit(10 + i); }
            int st; waitpid(g, &st, 0);
            printf("child %d pid %d grandchild exit %d\n", i, getpid(), WEXITSTATUS(st));
            fflush(stdout);
            _exit(i);
        }
        int st; waitpid(c, &st, 0);
        printf("parent: child %d (%d) exit %d\n", i, c, WEXITSTATUS(st));
    }
    return 0;
}
