/* flock shared/exclusive, and a child's LOCK_NB attempt failing with EWOULDBLOCK. */
#include "suite.h"
#include <sys/file.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    printf("flock ex %d\n", flock(fd, LOCK_EX));
    pid_t c = fork();
    if (c == 0) {
        int fd2 = open(p, O_RDWR);
        int r = flock(fd2, LOCK_EX | LOCK_NB);
        printf("child nb %d errno %d\n", r, errno);
        fflush(stdout);
        _exit(r == -1 ? 0 : 1);
    }
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    printf("unlock %d shared %d\n", flock(fd, LOCK_UN), flock(fd, LOCK_SH));
    close(fd);
    unlink(p);
    return 0;
}
