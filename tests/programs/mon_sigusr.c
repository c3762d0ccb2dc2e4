/* rewind monitor: installs a SIGUSR1 handler, raises SIGUSR1, and prints
 * how often the handler ran; exits 0 when it ran exactly once. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
    (void)sig;
    handled++;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("usr1 handler ran %d time(s)\n", (int)handled);
    return handled == 1 ? 0 : 1;
}
