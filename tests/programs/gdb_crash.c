/* For the gdb tests: prints its pid, adds up a few numbers, then writes
 * through a null pointer (SIGSEGV). The LINE_* comments mark lines the tests
 * look up by name. */
#include <stdio.h>
#include <unistd.h>

int total = 0;
int *nowhere = NULL;

int add(int n)
{
    total += n; /* LINE_ADD_BODY */
    return total;
}

void crash(int n)
{
    int before = add(n); /* LINE_CRASH_ADD */
    *nowhere = before; /* LINE_CRASH_WRITE */
}

int main(void)
{
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    add(1);
    add(2);
    crash(3); /* LINE_CALL_CRASH */
    return 0;
}
