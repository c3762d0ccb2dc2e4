/* Several signals pending at once. Part 1: SIGUSR1 and SIGUSR2 blocked, both
 * raised, then unblocked: both handlers run, nested (the kernel delivers the
 * lower number first, so SIGUSR2's handler runs inside SIGUSR1's before its
 * body). Part 2: three queued real-time signals, SIGUSR1 sent twice (merges)
 * and SIGTERM, all pending, then unblocked: 5 handlers. Part 3: the order of
 * handler runs with sigqueue values. The pid makes runs differ. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char log_[4096];
static int len;

static void note(const char *s) {
    size_t n = strlen(s);
    memcpy(log_ + len, s, n);
    len += n;
}

static void on_sig(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    char buf[64];
    snprintf(buf, sizeof buf, "[%d:%d]", sig, si->si_value.sival_int);
    note(buf);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    int sigs[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGRTMIN, SIGRTMIN + 1};
    for (unsigned i = 0; i < 5; i++) sigaction(sigs[i], &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    for (unsigned i = 0; i < 5; i++) sigaddset(&block, sigs[i]);

    sigprocmask(SIG_BLOCK, &block, &old);
    raise(SIGUSR2);
    raise(SIGUSR1);
    sigprocmask(SIG_SETMASK, &old, NULL);
    note("|");

    sigprocmask(SIG_BLOCK, &block, &old);
    union sigval v;
    for (int i = 1; i <= 3; i++) {
        v.sival_int = i;
        sigqueue(getpid(), SIGRTMIN + (i == 2), v);
    }
    v.sival_int = 7;
    sigqueue(getpid(), SIGUSR1, v);
    sigqueue(getpid(), SIGUSR1, v);
    kill(getpid(), SIGTERM);
    sigprocmask(SIG_SETMASK, &old, NULL);
    note("|");
    printf("pid %d\nhandlers: %s\n", getpid(), log_);
    return 0;
}
