/* Assorted syscalls whose results vary: uname, sysinfo, getrusage, times,
 * sched_getcpu (vDSO getcpu / rdpid), sched_getaffinity, getcwd, clock_getres,
 * prlimit, and a stat of the program itself. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argc;
    struct utsname u;
    uname(&u);
    printf("uname: %s %s %s\n", u.sysname, u.release, u.machine);
    struct sysinfo si;
    sysinfo(&si);
    printf("sysinfo: uptime %ld freeram %lu procs %u\n", si.uptime, si.freeram, si.procs);
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 3000000; i++) x += i * i;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("rusage: utime %ld.%06ld maxrss %ld minflt %ld\n", (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
           ru.ru_maxrss, ru.ru_minflt);
    struct tms t;
    clock_t c = times(&t);
    printf("times: %ld (utime %ld)\n", (long)c, (long)t.tms_utime);
    printf("clock(): %ld\n", (long)clock());
    printf("sched_getcpu: %d\n", sched_getcpu());
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    printf("affinity: %d cpus\n", CPU_COUNT(&set));
    char cwd[4096];
    printf("cwd: %s\n", getcwd(cwd, sizeof cwd));
    struct timespec res;
    clock_getres(CLOCK_MONOTONIC, &res);
    printf("clock_getres: %ld ns\n", res.tv_nsec);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("nofile: %lu %lu\n", (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
    struct stat st;
    stat(argv[0], &st);
    printf("self: inode %lu size %ld\n", (unsigned long)st.st_ino, (long)st.st_size);
    printf("x %lu\n", (unsigned long)x);
    return 0;
}
