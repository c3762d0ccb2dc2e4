/* exit(3) after printing the pid and the time: `rewind record` must exit 3. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("pid %d at %ld.%09ld exits with 3\n", getpid(), (long)ts.tv_sec, ts.tv_nsec);
    exit(3);
}
