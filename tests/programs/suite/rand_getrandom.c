/* getrandom (blocking, GRND_NONBLOCK, GRND_INSECURE) and getentropy. */
#include "suite.h"
#include <sys/random.h>
int main(void) {
    nondet();
    unsigned char b[32];
    ssize_t n = getrandom(b, sizeof b, 0);
    printf("getrandom %zd:", n);
    for (int i = 0; i < 8; i++) printf(" %02x", b[i]);
    n = getrandom(b, sizeof b, GRND_NONBLOCK);
    printf("\nnonblock %zd %02x\n", n, b[0]);
    n = getrandom(b, sizeof b, 0x4 /* GRND_INSECURE */);
    printf("insecure %zd %02x\n", n, b[5]);
    unsigned char big[100000];
    n = getrandom(big, sizeof big, 0);
    unsigned long sum = 0;
    for (ssize_t i = 0; i < n; i++) sum += big[i];
    printf("big %zd sum %lu\n", n, sum);
    printf("getentropy %d %02x\n", getentropy(b, 16), b[3]);
    return 0;
}
