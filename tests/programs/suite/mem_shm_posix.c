/* POSIX shm_open + MAP_SHARED mapping written by a child, read by the parent after wait. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char name[64];
    snprintf(name, sizeof name, "/suite-%d", getpid());
    int fd = shm_open(name, O_CREAT | O_RDWR | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, 4096) == 0);
    char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    pid_t c = fork();
    if (c == 0) { snprintf(m, 64, "posix from %d", getpid()); _exit(0); }
    waitpid(c, NULL, 0);
    printf("%s (child %d)\n", m, c);
    shm_unlink(name);
    return 0;
}
