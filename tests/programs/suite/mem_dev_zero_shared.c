/* A MAP_SHARED mapping of /dev/zero shared with a child (shared anonymous memory by another name). */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    int fd = open("/dev/zero", O_RDWR);
    CHECK(fd >= 0);
    int *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    pid_t c = fork();
    if (c == 0) { m[0] = getpid(); _exit(0); }
    waitpid(c, NULL, 0);
    printf("child wrote its pid %d (%d)\n", m[0] == c, m[0]);
    return 0;
}
