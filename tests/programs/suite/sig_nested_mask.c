/* sa_mask blocks a second signal during a handler; it is delivered right after the handler returns. */
#include "suite.h"
static volatile char log_[64]; static volatile int pos;
static void h2(int s) { (void)s; log_[pos++] = '2'; }
static void h1(int s) { (void)s; log_[pos++] = '['; raise(SIGUSR2); log_[pos++] = ']'; }
int main(void) {
    nondet();
    struct sigaction sa = {.sa_handler = h1};
    sigemptyset(&sa.sa_mask); sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGUSR2, h2);
    raise(SIGUSR1);
    printf("order %s\n", (char *)log_);
    struct sigaction sb = {.sa_handler = h1, .sa_flags = SA_RESETHAND};
    sigaction(SIGUSR1, &sb, NULL);
    raise(SIGUSR1);
    struct sigaction cur; sigaction(SIGUSR1, NULL, &cur);
    printf("order %s reset to default %d\n", (char *)log_, cur.sa_handler == SIG_DFL);
    return 0;
}
