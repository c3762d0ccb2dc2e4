/* For the gdb tests: the program gdb_fork's child execs; calls its own
 * child_work(seed) with the seed from argv[1]. */
#include <stdio.h>
#include <stdlib.h>

int exec_result;

int child_work(int seed)
{
    exec_result = seed + 100; /* LINE_EXEC_WORK */
    return exec_result;
}

int main(int argc, char **argv)
{
    int seed = argc > 1 ? atoi(argv[1]) : 0;
    child_work(seed);
    printf("exec child: result %d\n", exec_result);
    return 0;
}
