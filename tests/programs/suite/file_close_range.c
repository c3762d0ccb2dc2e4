/* close_range over a span of open fds, CLOSE_RANGE_CLOEXEC. */
#include "suite.h"
#include <linux/close_range.h>
#include <sys/syscall.h>
int main(void) {
    nondet();
    for (int i = 0; i < 10; i++) CHECK(dup2(0, 20 + i) == 20 + i);
    long r = syscall(SYS_close_range, 22, 25, 0);
    int open_count = 0;
    for (int i = 20; i < 30; i++) open_count += fcntl(i, F_GETFD) != -1;
    printf("close_range %ld open %d\n", r, open_count);
    r = syscall(SYS_close_range, 26, ~0U, CLOSE_RANGE_CLOEXEC);
    printf("cloexec range %ld flag %d\n", r, fcntl(27, F_GETFD));
    r = syscall(SYS_close_range, 20, 29, 0);
    open_count = 0;
    for (int i = 20; i < 30; i++) open_count += fcntl(i, F_GETFD) != -1;
    printf("after %ld open %d\n", r, open_count);
    return 0;
}
