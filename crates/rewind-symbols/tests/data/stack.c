/* Test program of rewind-symbols: main -> a -> b -> c, then, by argv[1]:
 *   stop          c -> stop_here (inlined) -> raise(SIGSTOP)
 *   segv          c faults writing through a null pointer
 *   segv-handler  the same, and the SIGSEGV handler raises SIGSTOP
 *   nullcall      c calls a null function pointer
 * The tests find the expected lines by the LINE_* markers: keep them unique. */
#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile int sink;
volatile long bad_address;
static const char *mode = "stop";

static inline __attribute__((always_inline)) void stop_here(void) {
    sink++;
    raise(SIGSTOP); /* LINE_RAISE */
    sink++;
}

static void on_segv(int sig) {
    sink = sig;
    raise(SIGSTOP); /* LINE_HANDLER_RAISE */
    _exit(3);
}

__attribute__((noinline)) void c(int x) { /* LINE_C_DEF */
    if (strcmp(mode, "stop") == 0) {
        stop_here(); /* LINE_C_CALLS_INLINE */
    } else if (strncmp(mode, "segv", 4) == 0) {
        *(volatile int *)bad_address = x; /* LINE_FAULT */
    } else if (strcmp(mode, "nullcall") == 0) {
        void (*volatile fp)(void) = (void (*)(void))bad_address;
        fp(); /* LINE_NULLCALL */
    }
    sink += x;
}

__attribute__((noinline)) void b(int x) {
    c(x + 1); /* LINE_B */
    sink++;
}

__attribute__((noinline)) void a(int x) {
    b(x + 1); /* LINE_A */
    sink++;
}

int main(int argc, char **argv) { /* LINE_MAIN_DEF */
    if (argc > 1)
        mode = argv[1];
    if (strcmp(mode, "segv-handler") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_segv;
        sigaction(SIGSEGV, &sa, 0);
    }
    a(argc); /* LINE_MAIN */
    return 0;
}
