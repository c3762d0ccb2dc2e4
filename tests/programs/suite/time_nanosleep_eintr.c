/* nanosleep interrupted by SIGALRM: EINTR and the remaining time written back. */
#include "suite.h"
#include <sys/time.h>
static void h(int s) { (void)s; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_handler = h};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec d = {2, 0}, rem = {0, 0};
    int r = nanosleep(&d, &rem);
    printf("nanosleep %d errno %d rem %ld.%09ld (>1s %d)\n", r, errno, (long)rem.tv_sec, rem.tv_nsec, rem.tv_sec >= 1);
    return 0;
}
