/* Asynchronous signals that arrive while the program computes without
 * syscalls: SIGPROF every 5 ms of CPU counted by a handler, and SIGALRM after
 * 120 ms, which alone stops the loop. Prints the counts, the loop's result,
 * CPUID's APIC id and the CPU number: a replay either prints exactly this or
 * stops with a divergence. The pid makes runs differ. */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile long profs;
static void on_alarm(int s) { (void)s; stop = 1; }
static void on_prof(int s) { (void)s; profs++; }

int main(void) {
    signal(SIGALRM, on_alarm);
    signal(SIGPROF, on_prof);
    struct itimerval prof = {{0, 5000}, {0, 5000}};
    setitimer(ITIMER_PROF, &prof, NULL);
    struct itimerval real = {{0, 0}, {0, 120000}};
    setitimer(ITIMER_REAL, &real, NULL);
    unsigned long n = 0, x = 1;
    while (!stop) {
        n++;
        x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_PROF, &off, NULL);
    unsigned a, b, c, d;
    __cpuid(1, a, b, c, d);
    printf("pid %d: %lu rounds, %ld SIGPROF, x=%016lx, apic id %u, cpu %d\n", getpid(), n, profs,
           x, b >> 24, sched_getcpu());
    return 0;
}
