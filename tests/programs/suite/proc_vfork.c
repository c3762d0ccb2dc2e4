/* vfork then _exit and vfork then execve of /bin/true; the parent resumes after the child. */
#include "suite.h"
int main(void) {
    nondet();
    volatile int shared = 1;
    pid_t c = vfork();
    if (c == 0) { shared = 2; _exit(7); }
    int st; waitpid(c, &st, 0);
    printf("vfork child %d exit %d shared %d\n", c > 0, WEXITSTATUS(st), shared);
    c = vfork();
    if (c == 0) { char *argv[] = {"true", NULL}; execve("/bin/true", argv, NULL); _exit(127); }
    waitpid(c, &st, 0);
    printf("exec child exit %d pid %d\n", WEXITSTATUS(st), c);
    return 0;
}
