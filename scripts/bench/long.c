#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
unsigned long total;
__attribute__((noinline)) void first_call(void) { total = 1; }
__attribute__((noinline)) void marker(int i) { total += i; }
__attribute__((noinline)) unsigned long work(unsigned long x) {
    for (int k = 0; k < 25000; k++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x;
}
int main(void) {
    unsigned long x = 1;
    first_call();
    for (int i = 0; i < 100000; i++) {
        x = work(x);
        syscall(SYS_getppid);
        marker(i);
    }
    printf("%lu %lu\n", x, total);
    return 0;
}
