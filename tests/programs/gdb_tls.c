/* For the gdb tests: a thread-local variable and errno (itself thread-local in
 * glibc), both set before check() is called. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

__thread int tls_value;

void check(int e)
{
    printf("errno=%d tls_value=%d\n", e, tls_value); /* LINE_CHECK */
}

int main(void)
{
    tls_value = 42;
    close(-1); /* fails with EBADF (9) */
    check(errno);
    return 0;
}
