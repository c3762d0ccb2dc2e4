/* A MAP_GROWSDOWN region used as a stack by a thread-free function via a switched stack pointer. */
#include "suite.h"
#include <sys/mman.h>
#include <ucontext.h>
static ucontext_t main_ctx, fn_ctx;
static volatile long result;
static void fn(void) { volatile char buf[16000]; for (int i = 0; i < 16000; i++) buf[i] = i; result = buf[15999] + getpid(); }
int main(void) {
    nondet();
    size_t len = 64 * 4096;
    char *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    CHECK(region != MAP_FAILED);
    getcontext(&fn_ctx);
    fn_ctx.uc_stack.ss_sp = region;
    fn_ctx.uc_stack.ss_size = len;
    fn_ctx.uc_link = &main_ctx;
    makecontext(&fn_ctx, fn, 0);
    CHECK(swapcontext(&main_ctx, &fn_ctx) == 0);
    printf("ran on growsdown stack result %ld region %p\n", result, (void *)region);
    return 0;
}
