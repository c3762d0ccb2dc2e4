/* mremap grows mappings of a file: a private one (the new part shows the
 * file, not zeros) and a shared one. The file holds random data. */
#include "map_show.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>

#define PAGE 4096

int main(void) {
    char path[4096];
    int fd = temp_file(path, sizeof path);
    static unsigned char data[6 * PAGE];
    if (getrandom(data, sizeof data, 0) != sizeof data) die("getrandom");
    if (write(fd, data, sizeof data) != sizeof data) die("write");

    /* A private mapping of a read-only descriptor, first: the file has no
     * memory file in replay yet, the new part is filled from the file. */
    int ro = open(path, O_RDONLY);
    unsigned char *rop = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, ro, 2 * PAGE);
    if (ro < 0 || rop == MAP_FAILED) die("read-only mapping");
    unsigned char *rogrown = mremap(rop, PAGE, 3 * PAGE, MREMAP_MAYMOVE);
    if (rogrown == MAP_FAILED) die("mremap");
    show("private mapping of a read-only descriptor grown", hash(rogrown, 3 * PAGE));

    /* Private and shared mappings of the writable descriptor. */
    unsigned char *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    if (priv == MAP_FAILED) die("mmap");
    priv[0] ^= 1; /* its own copy of the first page */
    unsigned char *grown = mremap(priv, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
    if (grown == MAP_FAILED) die("mremap");
    show("private mapping grown", hash(grown, 4 * PAGE));
    show("its new part", hash(grown + PAGE, 3 * PAGE));

    unsigned char *shared = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED) die("mmap");
    unsigned char *sgrown = mremap(shared, 2 * PAGE, 5 * PAGE, MREMAP_MAYMOVE);
    if (sgrown == MAP_FAILED) die("mremap");
    show("shared mapping grown", hash(sgrown, 5 * PAGE));

    printf("pid %d\n", getpid());
    unlink(path);
    return 0;
}
