/* process_vm_readv from a child's memory, and /proc/PID/mem reads of self. */
#include "suite.h"
#include <sys/uio.h>
int main(void) {
    nondet();
    static char secret[64];
    snprintf(secret, sizeof secret, "secret %d", getpid());
    int p[2]; pipe(p);
    pid_t c = fork();
    if (c == 0) { snprintf(secret, sizeof secret, "child secret %d", getpid()); write(p[1], "r", 1); pause(); _exit(0); }
    char b; read(p[0], &b, 1);
    char buf[64] = {0};
    struct iovec l = {buf, 63}, r = {secret, 63};
    ssize_t n = process_vm_readv(c, &l, 1, &r, 1, 0);
    printf("process_vm_readv %zd: %s\n", n, buf);
    kill(c, SIGKILL); waitpid(c, NULL, 0);
    int fd = open("/proc/self/mem", O_RDONLY);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 63, (off_t)(uintptr_t)secret);
    printf("/proc/self/mem %zd: %s\n", n, buf);
    return 0;
}
