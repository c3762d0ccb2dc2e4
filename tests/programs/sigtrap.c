/* int3 with a SIGTRAP handler: the handler runs and execution continues after
 * the int3. The handler records the rip from the ucontext. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t traps;
static volatile unsigned long trap_rip;

static void handler(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ucv;
    traps++;
    trap_rip = uc->uc_mcontext.gregs[REG_RIP];
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    for (int i = 0; i < 5; i++) {
        __asm__ volatile("int3");
        printf("after int3 #%d: traps=%d rip=%#lx\n", i, traps, trap_rip);
    }
    raise(SIGTRAP);
    printf("after raise: traps=%d, main at %p, pid %d\n", traps, (void *)main, getpid());
    return 0;
}
