/* sigaltstack: a handler runs on the alternate stack (address inside it), SS_ONSTACK reported. */
#include "suite.h"
static char *alt;
static volatile int on_alt, flags;
static void h(int s) {
    (void)s;
    int local;
    on_alt = (char *)&local >= alt && (char *)&local < alt + SIGSTKSZ * 4;
    stack_t cur; sigaltstack(NULL, &cur);
    flags = cur.ss_flags;
}
int main(void) {
    nondet();
    alt = malloc(SIGSTKSZ * 4);
    stack_t ss = {.ss_sp = alt, .ss_size = SIGSTKSZ * 4, .ss_flags = 0};
    CHECK(sigaltstack(&ss, NULL) == 0);
    struct sigaction sa = {.sa_handler = h, .sa_flags = SA_ONSTACK};
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("on alt stack %d flags %d alt %p\n", on_alt, flags, (void *)alt);
    return 0;
}
