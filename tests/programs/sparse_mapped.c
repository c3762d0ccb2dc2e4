/* Maps a sparse file of SIZE GiB (argv[2], default 1) MAP_SHARED: the file
 * FILE (argv[1]) is created with a hole and a few data pages, one of them
 * holding a random number (getrandom), which the program reads back through
 * the mapping and prints. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    long gib = argc > 2 ? atol(argv[2]) : 1;
    off_t size = (off_t)gib << 30;
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, size) != 0) return 3;
    unsigned long secret;
    if (getrandom(&secret, sizeof secret, 0) != sizeof secret) return 4;
    off_t at[3] = {0, size / 2, size - 4096};
    for (int i = 0; i < 3; i++) {
        unsigned long v = secret + i;
        if (pwrite(fd, &v, sizeof v, at[i]) != sizeof v) return 5;
    }
    unsigned char *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return 6;
    unsigned long got[3];
    for (int i = 0; i < 3; i++) got[i] = *(unsigned long *)(map + at[i]);
    printf("%lx %lx %lx\n", got[0], got[1] - 1, got[2] - 2);
    munmap(map, size);
    close(fd);
    unlink(argv[1]);
    return 0;
}
