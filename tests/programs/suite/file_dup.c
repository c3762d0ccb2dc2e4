/* dup/dup2/dup3(O_CLOEXEC)/F_DUPFD/F_DUPFD_CLOEXEC and fd flags. */
#include "suite.h"
int main(void) {
    nondet();
    int a = dup(1);
    int b = dup2(1, 40);
    int c = dup3(1, 41, O_CLOEXEC);
    int d = fcntl(1, F_DUPFD, 50);
    int e = fcntl(1, F_DUPFD_CLOEXEC, 60);
    printf("fds %d %d %d %d %d\n", a, b, c, d, e);
    printf("cloexec %d %d %d\n", fcntl(b, F_GETFD), fcntl(c, F_GETFD), fcntl(e, F_GETFD));
    SHOW_ERR("dup3 same fd", dup3(5, 5, 0));
    dprintf(c, "written through dup3 fd by %d\n", getpid());
    fflush(stdout);
    dprintf(d, "written through F_DUPFD fd\n");
    printf("status flags %x\n", fcntl(a, F_GETFL) & O_ACCMODE);
    return 0;
}
