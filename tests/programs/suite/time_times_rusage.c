/* times(), getrusage for self, children and thread after work in a child. */
#include "suite.h"
#include <sys/resource.h>
#include <sys/times.h>
int main(void) {
    nondet();
    pid_t c = fork();
    if (c == 0) { volatile unsigned long x = 0; for (unsigned long i = 0; i < 20000000; i++) x += i; _exit(0); }
    waitpid(c, NULL, 0);
    struct tms t;
    clock_t r = times(&t);
    printf("times %ld cutime %ld\n", (long)r, (long)t.tms_cutime);
    struct rusage s, ch, th;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &ch);
    getrusage(RUSAGE_THREAD, &th);
    printf("self %ld.%06ld children %ld.%06ld minflt %ld thread nvcsw %ld\n", (long)s.ru_utime.tv_sec, (long)s.ru_utime.tv_usec,
           (long)ch.ru_utime.tv_sec, (long)ch.ru_utime.tv_usec, s.ru_minflt, th.ru_nvcsw);
    return 0;
}
