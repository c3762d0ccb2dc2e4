/* One read(2) of 300 MiB, more than a trace chunk may hold. The program writes
 * the file FILE (argv[1]) itself: 4 KiB blocks of random bytes (getrandom, so
 * each run differs), each stamped with its index. It reads the whole file back
 * with a single read(), prints the byte count and an FNV-1a checksum, and passes
 * the checksum to lseek as the offset, so a replay that fed the program other
 * bytes would make a different syscall (and diverge). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define SIZE (300L << 20)
#define BLOCK 4096

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 3;
    char *seed = malloc(BLOCK);
    if (getrandom(seed, BLOCK, 0) != BLOCK) return 4;
    char *chunk = malloc(1 << 20);
    for (long off = 0; off < SIZE; off += 1 << 20) {
        for (long b = 0; b < (1 << 20); b += BLOCK) {
            uint64_t index = (off + b) / BLOCK;
            memcpy(chunk + b, seed, BLOCK);
            memcpy(chunk + b, &index, sizeof index);
        }
        if (write(fd, chunk, 1 << 20) != 1 << 20) return 5;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) return 6;
    unsigned char *buf = malloc(SIZE);
    if (!buf) return 7;
    ssize_t n = read(fd, buf, SIZE);
    if (n != SIZE) {
        printf("short read: %zd\n", n);
        return 8;
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    for (long i = 0; i < SIZE; i++) {
        h ^= buf[i];
        h *= 0x100000001b3ULL;
    }
    printf("read %zd bytes in one read, checksum %016llx\n", n, (unsigned long long)h);
    fflush(stdout);
    lseek(fd, (off_t)(h & 0xffffff), SEEK_SET);
    close(fd);
    unlink(argv[1]);
    return 0;
}
