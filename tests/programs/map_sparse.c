/* A 1 GiB sparse file with a few pages of random data, mapped MAP_SHARED.
 * Shows the data pages and a page of the hole through the mapping. */
#include "map_show.h"
#include <sys/mman.h>
#include <sys/random.h>

#define PAGE 4096
#define SIZE (1UL << 30)

int main(void) {
    char path[4096];
    int fd = temp_file(path, sizeof path);
    if (ftruncate(fd, SIZE)) die("ftruncate");
    static const unsigned long at[] = {0, 3 * PAGE, 500UL << 20, SIZE - PAGE};
    unsigned char buf[PAGE];
    for (int i = 0; i < 4; i++) {
        if (getrandom(buf, sizeof buf, 0) != sizeof buf) die("getrandom");
        if (pwrite(fd, buf, sizeof buf, at[i]) != sizeof buf) die("pwrite");
    }
    unsigned char *m = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) die("mmap");
    for (int i = 0; i < 4; i++) {
        char what[64];
        snprintf(what, sizeof what, "data page at %#lx", at[i]);
        show(what, hash(m + at[i], PAGE));
    }
    show("a page of the hole", hash(m + (700UL << 20), PAGE));
    printf("pid %d\n", getpid());
    unlink(path);
    return 0;
}
