/* For the gdb tests (crates/rewind-cli/tests/gdb.rs): a loop calling bump(i),
 * which adds i to the global `by` and increments the global `counter`, and
 * square(i). The LINE_* comments mark lines the tests look up by name. */
#include <stdio.h>

int by = 0;
int counter = 0;

int square(int x)
{
    int r = x * x; /* LINE_SQUARE_BODY */
    return r; /* LINE_SQUARE_RETURN */
}

void bump(int i)
{
    by += i; /* LINE_BUMP_BODY */
    counter++; /* LINE_BUMP_COUNTER */
}

int main(void)
{
    int total = 0;
    for (int i = 1; i <= 5; i++) {
        bump(i); /* LINE_CALL_BUMP */
        total += square(i); /* LINE_CALL_SQUARE */
    }
    printf("total=%d by=%d counter=%d\n", total, by, counter);
    return 0;
}
