/* POSIX aio_read/aio_suspend/aio_return (glibc runs them on helper threads). */
#include "suite.h"
#include <aio.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    dprintf(fd, "posix aio data %d", getpid());
    char buf[64] = {0};
    struct aiocb cb = {.aio_fildes = fd, .aio_buf = buf, .aio_nbytes = 63, .aio_offset = 0};
    CHECK(aio_read(&cb) == 0);
    const struct aiocb *list[1] = {&cb};
    while (aio_error(&cb) == EINPROGRESS) aio_suspend(list, 1, NULL);
    printf("aio_return %zd: %s\n", aio_return(&cb), buf);
    unlink(p);
    return 0;
}
