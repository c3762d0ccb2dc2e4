/* Probes syscall numbers the kernel does not implement, as programs do to find
 * out whether a new syscall exists: each fails with ENOSYS and the program goes
 * on. The pid makes runs differ. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    long numbers[] = {-1, -2, 337, 423, 499, 1000, 100000, 0x40000000L + 1};
    for (unsigned i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        errno = 0;
        long r = syscall(numbers[i], 1, 2, 3);
        printf("syscall(%ld) = %ld (%s)\n", numbers[i], r, strerror(errno));
    }
    printf("still running, pid %d\n", getpid());
    return 0;
}
