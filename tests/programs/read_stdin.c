/* Reads all of stdin (with read(2) and then stdio) and prints a checksum and
 * the time. Replay must reproduce this without any stdin. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    char first[16];
    ssize_t n = read(0, first, sizeof first);
    if (n < 0) { perror("read"); return 1; }
    unsigned long sum = 0, total = n;
    for (ssize_t i = 0; i < n; i++) sum = sum * 131 + (unsigned char)first[i];
    int c, lines = 0;
    while ((c = getchar()) != EOF) {
        sum = sum * 131 + (unsigned char)c;
        total++;
        lines += c == '\n';
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    printf("first read: %.*s\n", (int)n, first);
    printf("stdin: %lu bytes, %d more lines, checksum %016lx\n", total, lines, sum);
    printf("time %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
    return 0;
}
