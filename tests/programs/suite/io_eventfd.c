/* eventfd counter and EFD_SEMAPHORE; a child adds, the parent reads the sum. */
#include "suite.h"
#include <sys/eventfd.h>
int main(void) {
    nondet();
    int e = eventfd(3, 0);
    uint64_t v = getpid() % 1000;
    write(e, &v, 8);
    pid_t c = fork();
    if (c == 0) { uint64_t x = 100; write(e, &x, 8); _exit(0); }
    waitpid(c, NULL, 0);
    uint64_t got = 0;
    read(e, &got, 8);
    printf("sum %llu\n", (unsigned long long)got);
    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    uint64_t a = 0, b = 0, d = 0;
    read(s, &a, 8); read(s, &b, 8);
    ssize_t r = read(s, &d, 8);
    printf("sem %llu %llu then %zd errno %d\n", (unsigned long long)a, (unsigned long long)b, r, errno);
    return 0;
}
