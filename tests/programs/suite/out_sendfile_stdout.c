/* Output that reaches stdout through sendfile() from a file, not write(). */
#include "suite.h"
#include <sys/sendfile.h>
int main(void) {
    nondet();
    const char *p = tmpname("f");
    int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0600);
    dprintf(fd, "sent by sendfile from %d\n", getpid());
    lseek(fd, 0, SEEK_SET);
    ssize_t n = sendfile(1, fd, NULL, 4096);
    printf("sendfile %zd\n", n);
    close(fd);
    unlink(p);
    return 0;
}
