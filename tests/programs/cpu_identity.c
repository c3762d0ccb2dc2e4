/* Which CPU am I on, as a program sees it without asking the kernel: CPUID
 * leaf 1's APIC id (CPUID cannot be trapped on AMD), RDPID, RDTSCP's aux, and
 * sched_getcpu(); then again after asking to move to another CPU. Without CPUID
 * faulting a replay must run on the recorded CPU or say it cannot; it must never
 * print other values and report success. The pid makes runs differ. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

static void show(const char *when) {
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    unsigned apic = b >> 24;
    unsigned aux;
    __asm__ volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
    unsigned long pid_reg = 0;
    __cpuid_count(7, 0, a, b, c, d);
    if (c & (1u << 22)) __asm__ volatile("rdpid %0" : "=r"(pid_reg));
    printf("%s: apic id %u, rdtscp aux %u, rdpid %lu, sched_getcpu %d\n", when, apic, aux,
           pid_reg, sched_getcpu());
}

int main(void) {
    printf("pid %d\n", getpid());
    show("start");
    cpu_set_t set;
    CPU_ZERO(&set);
    int now = sched_getcpu();
    for (int c = 0; c < 64; c++)
        if (c != now) CPU_SET(c, &set);
    int r = sched_setaffinity(0, sizeof set, &set);
    printf("sched_setaffinity to the other CPUs: %d\n", r);
    show("after");
    return 0;
}
