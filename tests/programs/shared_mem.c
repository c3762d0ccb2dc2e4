/* Memory shared between processes: an anonymous MAP_SHARED region and a
 * memfd_create file mapped MAP_SHARED. The child fills both with random data;
 * the parent reads them after waitpid. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    size_t len = 3 * 4096;
    unsigned char *anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int mfd = memfd_create("rewind-test", 0);
    if (anon == MAP_FAILED || mfd < 0 || ftruncate(mfd, len)) { perror("setup"); return 1; }
    unsigned char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (mem == MAP_FAILED) { perror("mmap memfd"); return 1; }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (getrandom(anon, len, 0) != (ssize_t)len) _exit(1);
        pid_t me = getpid();
        memcpy(anon, &me, sizeof me);
        for (size_t i = 0; i < len; i++) mem[i] = anon[len - 1 - i] ^ 0x55;
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    pid_t seen;
    memcpy(&seen, anon, sizeof seen);
    unsigned long sum_anon = 0, sum_mem = 0;
    for (size_t i = 0; i < len; i++) {
        sum_anon = sum_anon * 31 + anon[i];
        sum_mem = sum_mem * 31 + mem[i];
    }
    printf("child %d wrote pid %d; anon checksum %016lx, memfd checksum %016lx\n", child, seen, sum_anon, sum_mem);
    /* read(2) of the memfd sees what the child wrote through its mapping. */
    unsigned char buf[16];
    pread(mfd, buf, sizeof buf, 100);
    printf("memfd bytes 100..116 via pread:");
    for (int i = 0; i < 16; i++) printf(" %02x", buf[i]);
    printf("\nsame as mapping: %d\n", memcmp(buf, mem + 100, 16) == 0);
    /* Parent writes, a second child reads. */
    memcpy(anon + 8, "from parent", 12);
    int p[2];
    pipe(p);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        char line[64];
        int l = snprintf(line, sizeof line, "child %d sees: %s\n", getpid(), (char *)anon + 8);
        write(p[1], line, l);
        _exit(0);
    }
    char line[64];
    ssize_t n = read(p[0], line, sizeof line);
    waitpid(child, NULL, 0);
    fwrite(line, 1, n > 0 ? n : 0, stdout);
    return 0;
}
