/* 1 MB to stdout: first one write(2) of 512 KiB, then 512 KiB more through stdio
 * in lines. The content depends on getrandom. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

int main(void) {
    unsigned long x;
    if (getrandom(&x, sizeof x, 0) != sizeof x) return 1;
    x |= 1;
    size_t half = 512 * 1024;
    char *buf = malloc(half);
    for (size_t i = 0; i < half; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (i % 64 == 63) ? '\n' : "0123456789abcdef"[x & 15];
    }
    size_t off = 0;
    while (off < half) {
        ssize_t n = write(1, buf + off, half - off);
        if (n <= 0) return 1;
        off += n;
    }
    /* 8192 lines of 64 bytes = 512 KiB */
    for (int line = 0; line < 8192; line++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        printf("%08d %016lx %016lx %020lu\n", line, x, x * 31, x % 10000000000000000000UL);
    }
    free(buf);
    return 0;
}
