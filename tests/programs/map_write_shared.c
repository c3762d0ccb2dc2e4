/* A file mapped MAP_SHARED twice, changed through write()/pwrite()/writev(),
 * through the mappings, and by ftruncate; then mapped by a parent and its
 * child separately. Each step shows a hash of what the mappings hold, so a
 * replay whose mappings miss a change diverges. The data is random. */
#include "map_show.h"
#include <fcntl.h>
#include <libgen.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PAGE 4096
#define LEN (3 * PAGE)

static sigjmp_buf bus_jump;

static void on_bus(int sig) {
    (void)sig;
    siglongjmp(bus_jump, 1);
}

int main(void) {
    char path[4096];
    int fd = temp_file(path, sizeof path);
    unsigned char data[LEN], buf[PAGE];
    if (getrandom(data, sizeof data, 0) != sizeof data) die("getrandom");
    if (write(fd, data, sizeof data) != sizeof data) die("write");
    unsigned char *a = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *b = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);
    if (a == MAP_FAILED || b == MAP_FAILED) die("mmap");
    show("initial contents", hash(b, LEN));
    /* A private mapping sees changes to the file on the pages it did not write. */
    unsigned char *priv = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (priv == MAP_FAILED) die("mmap private");
    priv[0] ^= 0xff;
    /* A mapping of a read-only descriptor cannot be made writable. */
    int ro = open(path, O_RDONLY);
    unsigned char *c = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
    if (ro < 0 || c == MAP_FAILED) die("read-only mapping");
    show("mprotect of a read-only file's mapping fails", mprotect(c, PAGE, PROT_READ | PROT_WRITE) != 0);

    /* Mappings made before a pwrite see it. */
    if (getrandom(buf, 64, 0) != 64) die("getrandom");
    if (pwrite(fd, buf, 64, PAGE + 10) != 64) die("pwrite");
    show("mapping a after pwrite", hash(a + PAGE, PAGE));
    show("mapping b after pwrite", hash(b + PAGE, PAGE));
    show("private mapping after pwrite", hash(priv, 2 * PAGE));

    /* write() at the descriptor's position, and writev. */
    lseek(fd, 100, SEEK_SET);
    if (getrandom(buf, 200, 0) != 200) die("getrandom");
    if (write(fd, buf, 50) != 50) die("write");
    struct iovec iov[2] = {{buf + 50, 70}, {buf + 120, 80}};
    if (writev(fd, iov, 2) != 150) die("writev");
    show("mapping b after write and writev", hash(b, PAGE));
    show("read-only mapping after write and writev", hash(c, PAGE));

    /* A store through one mapping shows in the other, and in read(). */
    if (getrandom(a + 2 * PAGE + 7, 300, 0) != 300) die("getrandom");
    show("mapping b after a store through a", hash(b + 2 * PAGE, PAGE));
    show("private mapping after a store through a", hash(priv, LEN));
    if (pread(fd, buf, PAGE, 2 * PAGE) != PAGE) die("pread");
    show("pread after a store through a", hash(buf, PAGE));

    /* ftruncate: shrinking drops the tail (a load there is SIGBUS), growing
     * again brings zeros. */
    if (ftruncate(fd, PAGE)) die("ftruncate");
    signal(SIGBUS, on_bus);
    volatile int bus = 0;
    if (sigsetjmp(bus_jump, 1) == 0) {
        volatile unsigned char c = b[2 * PAGE];
        (void)c;
    } else {
        bus = 1;
    }
    show("SIGBUS beyond the end of the file", bus);
    if (ftruncate(fd, LEN)) die("ftruncate");
    show("mapping b after shrinking and growing the file", hash(b, LEN));
    /* truncate() by name, relative to the working directory. */
    if (getrandom(a + PAGE, PAGE, 0) != PAGE) die("getrandom");
    if (chdir(dirname(strdup(path)))) die("chdir");
    if (truncate(basename(path), PAGE + 10) || truncate(basename(path), LEN)) die("truncate");
    show("mapping b after truncate", hash(b, LEN));

    /* Parent and child map the file each on their own after fork. */
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) die("fork");
    unsigned char *own = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (own == MAP_FAILED) die("mmap");
    if (child == 0) {
        if (getrandom(own + PAGE, 500, 0) != 500) _exit(1);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    show("parent's mapping after the child's store", hash(own, LEN));
    show("first mapping after the child's store", hash(a, LEN));
    printf("pid %d\n", getpid());
    unlink(path);
    return 0;
}
