/* For the debugger: a running total kept in a MAP_SHARED file mapping, read
 * and written every iteration, with a few milliseconds of computation in
 * between (so the replay takes automatic checkpoints). bump() receives the
 * total read from the mapping. */
#include "map_show.h"
#include <sys/mman.h>

static volatile unsigned long sink;

void bump(unsigned long i, unsigned long total) {
    sink = i + total;
}

int main(void) {
    char path[4096];
    int fd = temp_file(path, sizeof path);
    if (ftruncate(fd, 4096)) die("ftruncate");
    unsigned long *total = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (total == MAP_FAILED) die("mmap");
    unlink(path);
    for (unsigned long i = 1; i <= 40; i++) {
        *total += i * i;
        bump(i, *total);
        for (volatile unsigned long k = 0; k < 3000000; k++) {
        }
        getppid();
    }
    show("total", *total);
    return 0;
}
