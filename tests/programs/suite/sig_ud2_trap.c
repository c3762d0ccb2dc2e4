/* ud2 (SIGILL) and int3 (SIGTRAP) handled; the handler advances rip past the instruction. */
#include "suite.h"
#include <ucontext.h>
static volatile int ill, trap;
static void h(int s, siginfo_t *si, void *u) {
    (void)si;
    ucontext_t *uc = u;
    if (s == SIGILL) { ill++; uc->uc_mcontext.gregs[REG_RIP] += 2; }
    else trap++;
}
int main(void) {
    nondet();
    struct sigaction sa = {.sa_sigaction = h, .sa_flags = SA_SIGINFO};
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGTRAP, &sa, NULL);
    __asm__ volatile("ud2");
    __asm__ volatile("int3");
    __asm__ volatile("ud2");
    printf("ill %d trap %d\n", ill, trap);
    return 0;
}
