/* A program that controls RDTSC and CPUID itself, as sandboxes do: PR_GET_TSC /
 * PR_SET_TSC and ARCH_GET_CPUID / ARCH_SET_CPUID must report the program's own
 * settings (not rewind's trapping), and an RDTSC or CPUID the program made fault
 * must fault (SIGSEGV to its handler). The lines marked "ctl" are the same
 * natively and recorded; the pid and the TSC value make runs differ. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

static sigjmp_buf env;
static void on_segv(int sig) { (void)sig; siglongjmp(env, 1); }

static int tsc_mode(void) {
    int mode = -1;
    prctl(PR_GET_TSC, &mode, 0, 0, 0);
    return mode;
}

static unsigned long rdtsc(void) {
    unsigned lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((unsigned long)hi << 32) | lo;
}

int main(void) {
    signal(SIGSEGV, on_segv);
    printf("pid %d\n", getpid());
    printf("ctl tsc mode at start: %d\n", tsc_mode());
    printf("ctl set sigsegv: %d\n", prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0));
    printf("ctl tsc mode now: %d\n", tsc_mode());
    if (sigsetjmp(env, 1) == 0) {
        unsigned long t = rdtsc();
        printf("ctl rdtsc did not fault (%lu)\n", t);
    } else {
        printf("ctl rdtsc faulted\n");
    }
    printf("ctl set enable: %d\n", prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0));
    printf("ctl set bogus: %d\n", prctl(PR_SET_TSC, 7, 0, 0, 0));
    printf("tsc %lu\n", rdtsc());
    printf("ctl cpuid enabled: %ld\n", syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0));
    long r = syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
    printf("ctl set cpuid faulting: %ld\n", r);
    if (r == 0) {
        printf("ctl cpuid enabled: %ld\n", syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0));
        if (sigsetjmp(env, 1) == 0) {
            unsigned a, b, c, d;
            __cpuid(0, a, b, c, d);
            printf("ctl cpuid did not fault (%u)\n", a);
        } else {
            printf("ctl cpuid faulted\n");
        }
        printf("ctl cpuid back on: %ld\n", syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1));
    }
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    printf("ctl cpuid max leaf %u\n", a);
    return 0;
}
