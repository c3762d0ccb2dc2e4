/* A file is MAP_SHARED in the parent; a child write()s the file; the parent sees the change in memory. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    CHECK(ftruncate(fd, 4096) == 0);
    char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    pid_t c = fork();
    if (c == 0) { dprintf(fd, "child %d wrote this", getpid()); _exit(0); }
    waitpid(c, NULL, 0);
    printf("memory now: %s\n", m);
    unlink(p);
    return 0;
}
