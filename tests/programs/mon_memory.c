/* rewind monitor: `mon_memory MIB MS` allocates MIB MiB, touches every page,
 * sleeps MS milliseconds, exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 300;
    int ms = argc > 2 ? atoi(argv[2]) : 2000;
    volatile char *p = malloc(mib << 20);
    if (!p)
        return 1;
    for (size_t i = 0; i < (mib << 20); i += 4096)
        p[i] = (char)(i >> 12) | 1;
    usleep(ms * 1000);
    printf("touched %zu MiB\n", mib);
    return 0;
}
