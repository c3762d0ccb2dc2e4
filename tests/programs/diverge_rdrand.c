/* Computes values no recorder can see: RDRAND runs in user space even where
 * CPUID hides it. A replay of this program computes other values, and must stop
 * with a divergence, never print the recorded ones and report success.
 * Mode "print": the value reaches write(); mode "register": it sits in rbx
 * (callee-saved) across a getpid syscall. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned long rdrand(void) {
    unsigned long v;
    unsigned char ok;
    do __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok)); while (!ok);
    return v;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "register") == 0) {
        unsigned long v = rdrand();
        long ret;
        __asm__ volatile("push %%rbx\n\tmov %2, %%rbx\n\tsyscall\n\tpop %%rbx"
                         : "=a"(ret)
                         : "a"(39L), "r"(v)
                         : "rcx", "r11", "memory");
        printf("pid %ld\n", ret);
        return 0;
    }
    printf("random: %016lx\n", rdrand());
    return 0;
}
