/* chmod/fchmod/umask/utimensat/futimens and the times read back. */
#include "suite.h"
int main(void) {
    nondet();
    mode_t old = umask(077);
    printf("old umask %o\n", old);
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR, 0666);
    struct stat st; fstat(fd, &st);
    printf("mode %o\n", st.st_mode & 0777);
    CHECK(fchmod(fd, 0640) == 0);
    CHECK(chmod(p, 0604) == 0);
    fstat(fd, &st);
    printf("mode %o\n", st.st_mode & 0777);
    struct timespec ts[2] = {{1000000000, 5}, {1234567890, 6}};
    CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
    stat(p, &st);
    printf("mtime %ld.%ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec nowts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    CHECK(futimens(fd, nowts) == 0);
    fstat(fd, &st);
    printf("now mtime %ld.%09ld ctime %ld\n", (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, (long)st.st_ctim.tv_sec);
    close(fd);
    unlink(p);
    return 0;
}
