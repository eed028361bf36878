/* linkbw.c: the bandwidth of one TCP stream between two hosts (what iperf3
 * measures), the limit of any transfer that takes that link.
 *
 * The server accepts one connection and, per try, reads the announced
 * number of bytes and answers one byte. The client sends the bytes in
 * 1 MiB writes and times each try from its first write to the answer; the
 * best try is the figure (the same rule as bench/pingpong.c, so a burst of
 * load on a shared machine does not decide it). The same kernel path (one
 * TCP connection over the hosts' veth) carries a container between hosts
 * (libfabric's tcp provider, one message per range) and MPICH's messages.
 *
 * Usage: linkbw server PORT
 *        linkbw client HOST PORT BYTES TRIES
 * The client prints "linkbw <bytes> <bytes per second>".
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK ((size_t)1 << 20)

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Reads or writes exactly n bytes; 0 on success, -1 on error or EOF. */
static int full(int fd, char *buf, size_t n, int writing)
{
    while (n > 0) {
        ssize_t k = writing ? write(fd, buf, n) : read(fd, buf, n);

        if (k <= 0)
            return -1;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

static int serve(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;
    char *buf = malloc(CHUNK), ack = 1;
    uint64_t bytes;

    if (s < 0 || buf == NULL)
        die("linkbw server: socket");
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
        die("linkbw server: bind");
    if ((c = accept(s, NULL, NULL)) < 0)
        die("linkbw server: accept");
    while (full(c, (char *)&bytes, sizeof(bytes), 0) == 0) {
        for (uint64_t done = 0; done < bytes; done += CHUNK)
            if (full(c, buf, bytes - done < CHUNK ? bytes - done : CHUNK, 0) < 0)
                die("linkbw server: read");
        if (full(c, &ack, 1, 1) < 0)
            die("linkbw server: answer");
    }
    return 0;
}

static int connect_to(const char *host, const char *port)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    int s = -1, one = 1;

    if (getaddrinfo(host, port, &hints, &res) != 0)
        die("linkbw client: getaddrinfo");
    for (int tries = 0; tries < 100 && s < 0; tries++) { /* the server may start late */
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s >= 0 && connect(s, res->ai_addr, res->ai_addrlen) < 0) {
            close(s);
            s = -1;
            usleep(100000);
        }
    }
    freeaddrinfo(res);
    if (s < 0)
        die("linkbw client: connect");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return s;
}

static int client(const char *host, const char *port, uint64_t bytes, int tries)
{
    int s = connect_to(host, port);
    char *buf = malloc(CHUNK), ack;
    double best = 0.0;

    if (buf == NULL)
        die("linkbw client: malloc");
    memset(buf, 1, CHUNK);
    for (int t = 0; t < tries; t++) {
        double t0 = now(), bw;

        if (full(s, (char *)&bytes, sizeof(bytes), 1) < 0)
            die("linkbw client: write");
        for (uint64_t done = 0; done < bytes; done += CHUNK)
            if (full(s, buf, bytes - done < CHUNK ? bytes - done : CHUNK, 1) < 0)
                die("linkbw client: write");
        if (full(s, &ack, 1, 0) < 0)
            die("linkbw client: answer");
        bw = (double)bytes / (now() - t0);
        best = bw > best ? bw : best;
    }
    printf("linkbw %llu %.0f\n", (unsigned long long)bytes, best);
    close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        return serve(atoi(argv[2]));
    if (argc == 6 && strcmp(argv[1], "client") == 0)
        return client(argv[2], argv[3], strtoull(argv[4], NULL, 10), atoi(argv[5]));
    fprintf(stderr, "usage: linkbw server PORT | linkbw client HOST PORT BYTES TRIES\n");
    return 2;
}
