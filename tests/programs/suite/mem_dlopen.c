/* dlopen of libm at run time (new file mappings after startup), dlsym, call, dlclose. */
#include "suite.h"
#include <dlfcn.h>
int main(void) {
    nondet();
    void *h = dlopen("libm.so.6", RTLD_NOW);
    CHECK(h != NULL);
    double (*cosine)(double) = (double (*)(double))dlsym(h, "cos");
    CHECK(cosine != NULL);
    double x = (getpid() % 100) / 10.0;
    printf("cos(%.1f) = %.6f at %p\n", x, cosine(x), (void *)cosine);
    Dl_info info;
    dladdr((void *)cosine, &info);
    printf("from %s\n", strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname);
    printf("dlclose %d\n", dlclose(h));
    return 0;
}
