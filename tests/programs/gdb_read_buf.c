/* For the gdb tests: the kernel writes a global buffer (read() from a pipe), so
 * a watchpoint on it must trigger at the system call. Exits with the number of
 * bytes read (5). */
#include <stdio.h>
#include <unistd.h>

char buf[16];

int main(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 100;
    if (write(fds[1], "Zebra", 5) != 5)
        return 101;
    ssize_t n = read(fds[0], buf, sizeof buf); /* LINE_READ */
    printf("read %zd bytes: %.*s\n", n, (int)n, buf);
    return (int)n;
}
