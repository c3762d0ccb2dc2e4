/* rewind monitor: a SIGSEGV the program handles itself (siglongjmp out of
 * the handler) is not a crash: the program prints "recovered" and exits 0. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int *volatile nowhere;
static sigjmp_buf back;
static volatile sig_atomic_t faults;

static void on_segv(int sig) {
    (void)sig;
    faults++;
    siglongjmp(back, 1);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(back, 1) == 0)
        *nowhere = 1;
    printf("recovered after %d fault(s)\n", (int)faults);
    return faults == 1 ? 0 : 1;
}
