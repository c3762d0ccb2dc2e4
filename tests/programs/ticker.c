/* Runs until it is killed (at most 30 s), reading the real-time clock every
 * millisecond (a recorded syscall each time; every 20 ms with "quiet"). With
 * "print" it also prints a
 * numbered line with that time every 10 ms (one write(2) each). With "sigint"
 * it catches SIGINT: it prints "ready", and when SIGINT comes prints
 * "got SIGINT after N ticks" and exits 42. With "quiet FILE" it also keeps the
 * last time it read in FILE (pwrite at offset 0), so a test can see how far it
 * got. The times differ from run to run. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

int main(int argc, char **argv) {
    int print = argc > 1 && strcmp(argv[1], "print") == 0;
    int sigint = argc > 1 && strcmp(argv[1], "sigint") == 0;
    if (sigint) {
        signal(SIGINT, on_sigint);
        printf("ready\n");
        fflush(stdout);
    }
    int quiet = argc > 1 && strcmp(argv[1], "quiet") == 0;
    struct timespec nap = {0, quiet ? 20000000 : 1000000};
    int progress = quiet && argc > 2 ? open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600) : -1;
    for (long tick = 0; tick < 30000; tick++) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (progress >= 0 && pwrite(progress, &now, sizeof now, 0) != sizeof now) return 1;
        if (interrupted) {
            printf("got SIGINT after %ld ticks\n", tick);
            return 42;
        }
        if (print && tick % 10 == 0) {
            char line[64];
            int n = snprintf(line, sizeof line, "tick %ld at %lld.%09ld\n", tick,
                             (long long)now.tv_sec, now.tv_nsec);
            if (write(1, line, n) != n) return 1;
        }
        nanosleep(&nap, NULL);
    }
    return 0;
}
