/* 30 children alive at once, each writing its pid into one pipe; the parent reads all, then reaps all. */
#include "suite.h"
int main(void) {
    nondet();
    int p[2]; CHECK(pipe(p) == 0);
    int go[2]; CHECK(pipe(go) == 0);
    for (int i = 0; i < 30; i++) {
        pid_t c = fork();
        CHECK(c >= 0);
        if (c == 0) { close(go[1]); char b; read(go[0], &b, 1); int me = getpid(); write(p[1], &me, sizeof me); _exit(i); }
    }
    close(go[1]);
    close(p[1]);
    long sum = 0; int n = 0, v;
    while (read(p[0], &v, sizeof v) == sizeof v) { sum += v; n++; }
    int codes = 0, st;
    while (wait(&st) > 0) codes += WEXITSTATUS(st);
    printf("children %d pid sum %ld exit code sum %d\n", n, sum, codes);
    return 0;
}
