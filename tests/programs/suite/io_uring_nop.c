/* io_uring_setup with a small ring (programs then submit through shared memory). */
#include "suite.h"
#include <linux/io_uring.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(SYS_io_uring_setup, 4, &p);
    CHECK(fd >= 0);
    printf("ring sq %u cq %u features %x\n", p.sq_entries, p.cq_entries, p.features);
    close(fd);
    return 0;
}
