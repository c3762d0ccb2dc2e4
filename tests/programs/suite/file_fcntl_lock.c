/* fcntl record locks: F_SETLK, F_GETLK from a child reporting the owner's pid, OFD locks. */
#include "suite.h"
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR, 0600);
    CHECK(fd >= 0);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    CHECK(fcntl(fd, F_SETLK, &fl) == 0);
    pid_t c = fork();
    if (c == 0) {
        int fd2 = open(p, O_RDWR);
        struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 5};
        fcntl(fd2, F_GETLK, &q);
        printf("child sees lock type %d by pid %d (parent %d)\n", q.l_type, q.l_pid, getppid());
        struct flock r = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 200, .l_len = 5};
        printf("child lock elsewhere %d\n", fcntl(fd2, F_SETLK, &r));
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    struct flock o = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 500, .l_len = 1};
    printf("ofd lock %d\n", fcntl(fd, F_OFD_SETLK, &o));
    close(fd);
    unlink(p);
    return 0;
}
