/* rewind monitor: abort() called from a user function (the report's first
 * frame outside libc's abort machinery must be give_up). */
#include <stdio.h>
#include <stdlib.h>

static volatile int after;

__attribute__((noinline)) static void give_up(void) {
    fprintf(stderr, "giving up\n");
    abort(); /* MON_ABORT_CALL */
}

int main(void) {
    give_up();
    after++;
    return 0;
}
