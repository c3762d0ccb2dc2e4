/* AT_RANDOM bytes from the auxiliary vector, the stack protector canary, and ASLR'd addresses. */
#include "suite.h"
#include <sys/auxv.h>
int main(void) {
    nondet();
    unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM:");
    for (int i = 0; i < 16; i++) printf(" %02x", r[i]);
    unsigned long canary;
    __asm__ volatile("mov %%fs:0x28, %0" : "=r"(canary));
    int local;
    printf("\ncanary %lx stack %p heap %p libc %p\n", canary, (void *)&local, malloc(16), (void *)printf);
    printf("hwcap %lx pagesz %lu\n", getauxval(AT_HWCAP), getauxval(AT_PAGESZ));
    return 0;
}
