/* mlock/munlock/mlockall and VmLck from /proc/self/status. */
#include "suite.h"
#include <sys/mman.h>
int main(void) {
    nondet();
    char *a = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int r = mlock(a, 8 * 4096);
    printf("mlock %d\n", r);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (fgets(line, sizeof line, f)) if (!strncmp(line, "VmLck", 5)) printf("%s", line);
    fclose(f);
    printf("munlock %d mlock2 %d\n", munlock(a, 8 * 4096), mlock2(a, 4096, MLOCK_ONFAULT));
    printf("mlockall %d munlockall %d\n", mlockall(MCL_CURRENT | MCL_ONFAULT), munlockall());
    return 0;
}
