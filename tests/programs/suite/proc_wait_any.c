/* Five children exiting at different times reaped by wait() in whatever order they finish. */
#include "suite.h"
int main(void) {
    nondet();
    pid_t kids[5];
    for (int i = 0; i < 5; i++) {
        kids[i] = fork();
        if (kids[i] == 0) { usleep((5 - i) * 3000); _exit(i); }
    }
    for (int i = 0; i < 5; i++) {
        int st;
        pid_t w = wait(&st);
        int idx = -1;
        for (int j = 0; j < 5; j++) if (kids[j] == w) idx = j;
        printf("reaped %d index %d exit %d\n", w, idx, WEXITSTATUS(st));
    }
    return 0;
}
