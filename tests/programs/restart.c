/* A child exits while the parent sleeps in poll() and nanosleep(): under ptrace the
 * (default-ignored) SIGCHLD interrupts them and the kernel continues them with
 * restart_syscall, whose memory effects (poll's revents, the time left) must be
 * recorded as those of the original syscall. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000L + t.tv_nsec / 1000;
}

int main(void) {
    int p[2];
    if (pipe(p) != 0) return 1;
    for (int round = 0; round < 3; round++) {
        pid_t child = fork();
        if (child == 0) {
            usleep(2000);
            if (round == 1) write(p[1], "x", 1);
            _exit(round);
        }
        struct pollfd fds[1] = {{.fd = p[0], .events = POLLIN, .revents = 0x5a5a}};
        long t0 = now_us();
        int n = poll(fds, 1, 30);
        long t1 = now_us();
        if (n > 0) {
            char c;
            read(p[0], &c, 1);
        }
        struct timespec req = {0, 3000000}, rem = {7, 7};
        int s = nanosleep(&req, &rem);
        int status;
        waitpid(child, &status, 0);
        printf("round %d: child %d status %d, poll=%d revents=%#x after %ld us, nanosleep=%d rem=%ld.%09ld at %ld\n", round,
               child, WEXITSTATUS(status), n, fds[0].revents, t1 - t0, s, (long)rem.tv_sec, rem.tv_nsec, now_us());
    }
    return 0;
}
