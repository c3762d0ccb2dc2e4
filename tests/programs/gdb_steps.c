/* For the gdb tests: prints its pid, then calls middle(i) -> deep(i) four
 * times; deep sets the global `level` and prints a line (a system call in each
 * round, so each has its own event numbers). scale() and half() are for gdb to call.
 * LINE_* comments mark lines the tests use. */
#include <stdio.h>
#include <unistd.h>

int level = 0;

int scale(int x)
{
    return x * 10 + level; /* LINE_SCALE */
}

double half(double x)
{
    return x / 2 + level;
}

void deep(int i)
{
    level = i; /* LINE_DEEP */
    printf("step %d\n", i);
    fflush(stdout); /* LINE_DEEP_FLUSH */
}

void middle(int i)
{
    deep(i);
}

int main(void)
{
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    for (int i = 1; i <= 4; i++)
        middle(i); /* LINE_CALL_MIDDLE */
    printf("level %d\n", level);
    return 0;
}
