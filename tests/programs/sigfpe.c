/* Integer division by zero with a SIGFPE handler that siglongjmps out. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static sigjmp_buf env;
static volatile sig_atomic_t fpes;
static volatile int code;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    fpes++;
    code = si->si_code;
    siglongjmp(env, 1);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    volatile int zero = 0;
    volatile long num = ts.tv_nsec;
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0) {
            volatile long r = num / zero;
            printf("no SIGFPE? %ld\n", (long)r);
            return 1;
        }
        printf("SIGFPE #%d code %d (FPE_INTDIV=%d) dividing %ld\n", fpes, code, FPE_INTDIV, (long)num);
        num += i;
    }
    return 0;
}
