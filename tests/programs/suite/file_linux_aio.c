/* Linux native AIO (io_setup/io_submit/io_getevents) reading a file. */
#include "suite.h"
#include <linux/aio_abi.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    dprintf(fd, "aio data %d", getpid());
    aio_context_t ctx = 0;
    CHECK(syscall(SYS_io_setup, 4, &ctx) == 0);
    char buf[64] = {0};
    struct iocb cb = {.aio_fildes = fd, .aio_lio_opcode = IOCB_CMD_PREAD, .aio_buf = (uint64_t)(uintptr_t)buf, .aio_nbytes = 63, .aio_offset = 0};
    struct iocb *list[1] = {&cb};
    CHECK(syscall(SYS_io_submit, ctx, 1, list) == 1);
    struct io_event ev;
    CHECK(syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) == 1);
    printf("aio read %lld: %s\n", (long long)ev.res, buf);
    syscall(SYS_io_destroy, ctx);
    unlink(p);
    return 0;
}
