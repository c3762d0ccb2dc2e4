/* A SIGSEGV handler that siglongjmps out of a null (and a wild) dereference,
 * several times; reports si_addr and si_code. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t faults;
static void *volatile fault_addr;
static volatile int fault_code;

static void handler(int sig, siginfo_t *si, void *uc) {
    (void)sig;
    (void)uc;
    faults++;
    fault_addr = si->si_addr;
    fault_code = si->si_code;
    siglongjmp(env, 1);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    int local;
    char *targets[] = {NULL, (char *)16, (char *)&local - 0x10000000};
    for (int i = 0; i < 3; i++) {
        if (sigsetjmp(env, 1) == 0) {
            *(volatile char *)targets[i] = 1;
            printf("no fault?\n");
            return 1;
        }
        printf("fault %d at %p code %d (stack var %p)\n", faults, fault_addr, fault_code, (void *)&local);
    }
    /* The signal mask was restored by siglongjmp: another fault works. */
    if (sigsetjmp(env, 1) == 0) *(volatile int *)0 = 2;
    printf("faults: %d, pid %d\n", faults, getpid());
    return 0;
}
