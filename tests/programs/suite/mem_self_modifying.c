/* Code written at run time into an executable mapping (a tiny JIT) and called. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    unsigned char *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(code != MAP_FAILED);
    int k = getpid() % 1000;
    /* mov eax, imm32; ret */
    code[0] = 0xb8; memcpy(code + 1, &k, 4); code[5] = 0xc3;
    int (*fn)(void) = (int (*)(void))code;
    printf("jit returned %d (expect %d)\n", fn(), k);
    k += 1;
    memcpy(code + 1, &k, 4);
    printf("patched returned %d\n", fn());
    return 0;
}
