/* Programs that use the vDSO themselves (as Go's runtime does): find it with
 * getauxval(AT_SYSINFO_EHDR), look up __vdso_clock_gettime in its symbol table
 * and call it; then the C library's time functions (through the vDSO too) and
 * a burst of sched_getcpu() calls. Under rewind the vDSO must be there, parse,
 * and give recorded times. The times make runs differ. */
#define _GNU_SOURCE
#include <elf.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_fn)(clockid_t, struct timespec *);

static void *vdso_sym(const char *want) {
    const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (!base) return NULL;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0) return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
    Elf64_Addr load = 0;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD) { load = ph[i].p_vaddr; break; }
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM) continue;
        const Elf64_Sym *syms = (const Elf64_Sym *)(base + sh[i].sh_offset);
        const char *names = (const char *)(base + sh[sh[i].sh_link].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); k++)
            if (strcmp(names + syms[k].st_name, want) == 0)
                return (void *)(base + syms[k].st_value - load);
    }
    return NULL;
}

int main(void) {
    printf("vdso present: %s\n", getauxval(AT_SYSINFO_EHDR) ? "yes" : "no");
    clock_fn f = (clock_fn)vdso_sym("__vdso_clock_gettime");
    printf("__vdso_clock_gettime found: %s\n", f ? "yes" : "no");
    struct timespec a = {0}, b = {0};
    if (f) f(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_REALTIME, &b);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("monotonic %ld.%09ld realtime %ld.%09ld tod %ld.%06ld time %ld\n", (long)a.tv_sec,
           a.tv_nsec, (long)b.tv_sec, b.tv_nsec, (long)tv.tv_sec, (long)tv.tv_usec,
           (long)time(NULL));
    long sum = 0;
    int cpu = sched_getcpu();
    for (int i = 0; i < 200000; i++) sum += sched_getcpu() == cpu;
    printf("sched_getcpu stable: %s\n", sum == 200000 ? "yes" : "no");
    return 0;
}
