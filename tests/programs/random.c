/* getrandom(2) and a read of /dev/urandom. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

static void hex(const char *what, const unsigned char *p, size_t n) {
    printf("%s:", what);
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
    printf("\n");
}

int main(void) {
    unsigned char buf[32];
    ssize_t n = getrandom(buf, sizeof buf, 0);
    if (n != (ssize_t)sizeof buf) { perror("getrandom"); return 1; }
    hex("getrandom", buf, sizeof buf);
    n = getrandom(buf, 8, GRND_NONBLOCK);
    if (n != 8) { perror("getrandom nonblock"); return 1; }
    hex("getrandom nonblock", buf, 8);
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0) { perror("/dev/urandom"); return 1; }
    n = read(fd, buf, sizeof buf);
    if (n != (ssize_t)sizeof buf) { perror("read"); return 1; }
    close(fd);
    hex("/dev/urandom", buf, sizeof buf);
    FILE *f = fopen("/dev/urandom", "r");
    unsigned v;
    if (!f || fread(&v, sizeof v, 1, f) != 1) { perror("fopen /dev/urandom"); return 1; }
    fclose(f);
    printf("stdio /dev/urandom: %08x\n", v);
    return 0;
}
