/* A two-process shell-like pipeline: echo | tr, with the output read by the parent. */
#include "suite.h"
int main(void) {
    nondet();
    int a[2], b[2];
    pipe(a); pipe(b);
    char msg[64]; snprintf(msg, sizeof msg, "pipeline %d", getpid());
    pid_t c1 = fork();
    if (c1 == 0) { dup2(a[1], 1); close(a[0]); close(a[1]); close(b[0]); close(b[1]); execlp("echo", "echo", msg, (char *)0); _exit(127); }
    pid_t c2 = fork();
    if (c2 == 0) { dup2(a[0], 0); dup2(b[1], 1); close(a[0]); close(a[1]); close(b[0]); close(b[1]); execlp("tr", "tr", "a-z", "A-Z", (char *)0); _exit(127); }
    close(a[0]); close(a[1]); close(b[1]);
    char buf[128] = {0}; ssize_t n, t = 0;
    while ((n = read(b[0], buf + t, sizeof buf - 1 - t)) > 0) t += n;
    int s1, s2; waitpid(c1, &s1, 0); waitpid(c2, &s2, 0);
    printf("got: %s", buf);
    printf("exits %d %d\n", WEXITSTATUS(s1), WEXITSTATUS(s2));
    return 0;
}
