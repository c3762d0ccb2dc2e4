/* ud2 with a SIGILL handler: once by siglongjmp, once by advancing rip past
 * the 2-byte instruction in the ucontext. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t ills, mode;
static volatile unsigned long ill_addr;

static void handler(int sig, siginfo_t *si, void *ucv) {
    (void)sig;
    ucontext_t *uc = ucv;
    ills++;
    ill_addr = (unsigned long)si->si_addr;
    if (mode == 0) siglongjmp(env, 1);
    uc->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) {
        __asm__ volatile("ud2");
        printf("no SIGILL?\n");
        return 1;
    }
    printf("SIGILL #%d at %#lx (siglongjmp)\n", ills, ill_addr);
    mode = 1;
    __asm__ volatile("ud2");
    printf("SIGILL #%d at %#lx (skipped), pid %d\n", ills, ill_addr, getpid());
    return 0;
}
