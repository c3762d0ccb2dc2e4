/* adjtimex/clock_adjtime in read-only mode: the kernel fills struct timex. */
#include "suite.h"
#include <sys/timex.h>
int main(void) {
    nondet();
    struct timex tx = {.modes = 0};
    int state = adjtimex(&tx);
    printf("state %d time %ld.%06ld tick %ld\n", state, (long)tx.time.tv_sec, (long)tx.time.tv_usec, tx.tick);
    struct timex ty = {.modes = 0};
    printf("clock_adjtime %d status %d\n", clock_adjtime(CLOCK_REALTIME, &ty), ty.status);
    return 0;
}
