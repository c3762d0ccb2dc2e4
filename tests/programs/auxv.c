/* The auxiliary vector: AT_RANDOM bytes (random per exec), AT_SYSINFO_EHDR
 * (the vDSO address), AT_ENTRY and AT_PHDR (randomized for PIE), AT_BASE. */
#include <stdio.h>
#include <sys/auxv.h>

int main(void) {
    const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM:");
    for (int i = 0; i < 16; i++) printf("%02x", r[i]);
    printf("\n");
    printf("AT_SYSINFO_EHDR: %#lx\n", getauxval(AT_SYSINFO_EHDR));
    printf("AT_ENTRY: %#lx\n", getauxval(AT_ENTRY));
    printf("AT_PHDR: %#lx\n", getauxval(AT_PHDR));
    printf("AT_BASE: %#lx\n", getauxval(AT_BASE));
    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("AT_EXECFN: %s\n", (const char *)getauxval(AT_EXECFN));
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    return 0;
}
