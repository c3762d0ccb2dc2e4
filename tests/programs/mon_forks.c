/* rewind monitor: forks 3 children one after the other; each writes through
 * NULL and dies of SIGSEGV. The parent waits for each and exits 0 if all three
 * died of SIGSEGV. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int *volatile nowhere;
static volatile int after;

__attribute__((noinline)) static void child_crash(int i) {
    *nowhere = i; /* MON_FORKS_CRASH */
    after++;
}

int main(void) {
    int ok = 0;
    for (int i = 0; i < 3; i++) {
        pid_t p = fork();
        if (p == 0) {
            child_crash(i);
            _exit(0);
        }
        int st = 0;
        waitpid(p, &st, 0);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
            ok++;
    }
    printf("%d children crashed\n", ok);
    return ok == 3 ? 0 : 1;
}
