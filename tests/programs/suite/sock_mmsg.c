/* sendmmsg/recvmmsg: several datagrams in one call, per-message lengths. */
#include "suite.h"
#include <sys/socket.h>
int main(void) {
    nondet();
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    char m[3][32];
    struct iovec iv[3];
    struct mmsghdr out[3];
    memset(out, 0, sizeof out);
    for (int i = 0; i < 3; i++) {
        int n = snprintf(m[i], 32, "msg%d-%d%s", i, getpid(), i == 1 ? "-longer" : "");
        iv[i].iov_base = m[i]; iv[i].iov_len = n;
        out[i].msg_hdr.msg_iov = &iv[i]; out[i].msg_hdr.msg_iovlen = 1;
    }
    printf("sendmmsg %d\n", sendmmsg(sv[0], out, 3, 0));
    char in[3][64];
    struct iovec ii[3];
    struct mmsghdr rin[3];
    memset(rin, 0, sizeof rin); memset(in, 0, sizeof in);
    for (int i = 0; i < 3; i++) {
        ii[i].iov_base = in[i]; ii[i].iov_len = 63;
        rin[i].msg_hdr.msg_iov = &ii[i]; rin[i].msg_hdr.msg_iovlen = 1;
    }
    int r = recvmmsg(sv[1], rin, 3, MSG_DONTWAIT, NULL);
    printf("recvmmsg %d\n", r);
    for (int i = 0; i < r; i++) printf("  %u: %s\n", rin[i].msg_len, in[i]);
    return 0;
}
