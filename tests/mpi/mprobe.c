/* mprobe.c: matched probe and receive (MPI_Mprobe, Improbe, Mrecv, Imrecv).
 *
 * Ranks pair up (even rank r sends to r + 1). Each round the sender sends
 * three messages with one tag: an eager one, a rendezvous one (larger than
 * cv's eager limit) and a second eager one, all filled with th_pattern so
 * every byte is checked. The receiver matched-probes the first two, then a
 * plain MPI_Recv with the same tag must get the third (a matched message
 * has left matching), then it receives the two probed ones in reverse
 * order, the first with a vector datatype. In mode "migrate" both ends of
 * one pair move at the same moment between the probes and the receives
 * (the rendezvous send is still waiting for its CTS, the probed messages
 * sit in the receiver's container), and a rank of another pair moves too.
 * Mode "basic" also checks MPI_MESSAGE_NO_PROC, Improbe with nothing to
 * find, and the error classes of bad arguments.
 *
 * argv[1]: basic | migrate; argv[2] (migrate): rounds (default 4).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "testhelp_mpi.h"

#define TAG     17
#define SMALL   1000
#define LARGE   (200 * 1000)
#define VBLOCKS 250 /* SMALL bytes as a vector of VBLOCKS blocks of 4 bytes, stride 8 */

static int rank, size;

/* Checks a status: source, tag and byte count. */
static void check_status(const MPI_Status *st, int src, int tag, int bytes)
{
    int n;

    CHECKF(st->MPI_SOURCE == src, "source %d want %d", st->MPI_SOURCE, src);
    CHECKF(st->MPI_TAG == tag, "tag %d want %d", st->MPI_TAG, tag);
    MPI_CHECK(MPI_Get_count(st, MPI_BYTE, &n));
    CHECKF(n == bytes, "count %d want %d", n, bytes);
}

static void sender(int peer, int round, int moving)
{
    static char a[SMALL], b[LARGE], c[SMALL];
    MPI_Request r[3];
    MPI_Status st[3]; /* MPI_STATUSES_IGNORE trips gcc's array-size check */

    th_pattern_fill(a, SMALL, rank, peer, 3 * round);
    th_pattern_fill(b, LARGE, rank, peer, 3 * round + 1);
    th_pattern_fill(c, SMALL, rank, peer, 3 * round + 2);
    MPI_CHECK(MPI_Isend(a, SMALL, MPI_BYTE, peer, TAG, MPI_COMM_WORLD, &r[0]));
    MPI_CHECK(MPI_Isend(b, LARGE, MPI_BYTE, peer, TAG, MPI_COMM_WORLD, &r[1]));
    MPI_CHECK(MPI_Isend(c, SMALL, MPI_BYTE, peer, TAG, MPI_COMM_WORLD, &r[2]));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); /* the receiver probed */
    if (moving)
        th_move(); /* the rendezvous send waits for its CTS */
    MPI_CHECK(MPI_Waitall(3, r, st));
}

/* Receives the probed first message with a vector type: every other 4
 * bytes of a 2 * SMALL buffer, the gaps left as they were. */
static void mrecv_vector(MPI_Message *m, int peer, int round)
{
    static unsigned char v[2 * SMALL], packed[SMALL];
    MPI_Datatype vec;
    MPI_Status st;
    int i;

    MPI_CHECK(MPI_Type_vector(VBLOCKS, 4, 8, MPI_BYTE, &vec));
    MPI_CHECK(MPI_Type_commit(&vec));
    memset(v, 0xee, sizeof(v));
    MPI_CHECK(MPI_Mrecv(v, 1, vec, m, &st));
    CHECK(*m == MPI_MESSAGE_NULL);
    check_status(&st, peer, TAG, SMALL);
    for (i = 0; i < SMALL; i++) {
        packed[i] = v[(i / 4) * 8 + i % 4];
        CHECKF(v[(i / 4) * 8 + 4 + i % 4] == 0xee, "gap byte %d written", i);
    }
    CHECK_PATTERN(packed, SMALL, peer, rank, 3 * round);
    MPI_CHECK(MPI_Type_free(&vec));
}

static void receiver(int peer, int round, int moving)
{
    static char b[LARGE], c[SMALL];
    MPI_Message m1, m2;
    MPI_Request r;
    MPI_Status st;
    int flag = 0;

    MPI_CHECK(MPI_Mprobe(peer, TAG, MPI_COMM_WORLD, &m1, &st));
    check_status(&st, peer, TAG, SMALL);
    while (!flag) /* Improbe until the rendezvous announcement is in */
        MPI_CHECK(MPI_Improbe(peer, TAG, MPI_COMM_WORLD, &flag, &m2, &st));
    check_status(&st, peer, TAG, LARGE);
    CHECK(m1 != MPI_MESSAGE_NULL && m2 != MPI_MESSAGE_NULL && m1 != m2);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (moving)
        th_move(); /* two matched messages ride in the container */
    MPI_CHECK(MPI_Recv(c, SMALL, MPI_BYTE, peer, TAG, MPI_COMM_WORLD, &st));
    check_status(&st, peer, TAG, SMALL);
    CHECK_PATTERN(c, SMALL, peer, rank, 3 * round + 2);
    MPI_CHECK(MPI_Imrecv(b, LARGE, MPI_BYTE, &m2, &r));
    CHECK(m2 == MPI_MESSAGE_NULL);
    MPI_CHECK(MPI_Wait(&r, &st));
    check_status(&st, peer, TAG, LARGE);
    CHECK_PATTERN(b, LARGE, peer, rank, 3 * round + 1);
    mrecv_vector(&m1, peer, round);
}

/* One round; in a migrating round, pair `round % pairs` moves both ends at
 * once and the sender of the next pair moves too. */
static void round_once(int round, int migrate)
{
    int pairs = size / 2, p = rank / 2, moving = 0;

    if (migrate)
        moving = p == round % pairs || (pairs > 1 && rank == 2 * ((round + 1) % pairs));
    if (p >= pairs) { /* odd rank out: only the barrier */
        MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
        return;
    }
    if (rank % 2 == 0)
        sender(rank + 1, round, moving);
    else
        receiver(rank - 1, round, moving);
}

/* MPI_PROC_NULL, nothing to find, and the classes of bad arguments. */
static void check_edges(void)
{
    MPI_Message m = MPI_MESSAGE_NULL, copy;
    MPI_Request req;
    MPI_Status st;
    char buf[8];
    int flag = 1, err, cls;

    MPI_CHECK(MPI_Mprobe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &m, &st));
    CHECK(m == MPI_MESSAGE_NO_PROC && st.MPI_SOURCE == MPI_PROC_NULL && st.MPI_TAG == MPI_ANY_TAG);
    MPI_CHECK(MPI_Mrecv(buf, 8, MPI_BYTE, &m, &st));
    CHECK(m == MPI_MESSAGE_NULL && st.MPI_SOURCE == MPI_PROC_NULL);
    MPI_CHECK(MPI_Improbe(MPI_PROC_NULL, 3, MPI_COMM_WORLD, &flag, &m, &st));
    CHECK(flag && m == MPI_MESSAGE_NO_PROC);
    MPI_CHECK(MPI_Imrecv(buf, 8, MPI_BYTE, &m, &req));
    MPI_CHECK(MPI_Wait(&req, &st));
    CHECK(m == MPI_MESSAGE_NULL && st.MPI_SOURCE == MPI_PROC_NULL);
    MPI_CHECK(MPI_Improbe(MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &flag, &m, &st));
    CHECK(!flag);

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    err = MPI_Mprobe(size, 0, MPI_COMM_WORLD, &m, &st);
    MPI_Error_class(err, &cls);
    CHECKF(cls == MPI_ERR_RANK, "bad rank: class %d", cls);
    err = MPI_Improbe(0, -5, MPI_COMM_WORLD, &flag, &m, &st);
    MPI_Error_class(err, &cls);
    CHECKF(cls == MPI_ERR_TAG, "bad tag: class %d", cls);
    err = MPI_Mprobe(0, 0, MPI_COMM_NULL, &m, &st);
    MPI_Error_class(err, &cls);
    CHECKF(cls == MPI_ERR_COMM, "null comm: class %d", cls);
    m = MPI_MESSAGE_NULL;
    err = MPI_Mrecv(buf, 8, MPI_BYTE, &m, &st);
    MPI_Error_class(err, &cls);
    CHECKF(cls == MPI_ERR_REQUEST, "null message: class %d", cls);
    /* a request handle is not a message */
    MPI_CHECK(MPI_Irecv(buf, 8, MPI_BYTE, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &req));
    m = (MPI_Message)req;
    err = MPI_Mrecv(buf, 8, MPI_BYTE, &m, &st);
    MPI_Error_class(err, &cls);
    /* MPI names no class for this; MPICH 4.0 says MPI_ERR_ARG */
    CHECKF(cls == (th_library_is_mpich() ? MPI_ERR_ARG : MPI_ERR_REQUEST),
           "request as message: class %d", cls);
    MPI_CHECK(MPI_Wait(&req, &st));

    /* truncation, and a copy of a received handle refused */
    if (rank == 1 || rank == 0) {
        int peer = 1 - rank, v[4] = {1, 2, 3, 4};
        if (rank == 0) {
            MPI_CHECK(MPI_Send(v, 4, MPI_INT, peer, 5, MPI_COMM_WORLD));
        } else {
            MPI_CHECK(MPI_Mprobe(peer, 5, MPI_COMM_WORLD, &m, &st));
            copy = m;
            err = MPI_Mrecv(v, 2, MPI_INT, &m, &st);
            MPI_Error_class(err, &cls);
            CHECKF(cls == MPI_ERR_TRUNCATE, "truncated: class %d", cls);
            CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3);
            err = MPI_Mrecv(v, 4, MPI_INT, &copy, &st);
            MPI_Error_class(err, &cls);
            CHECKF(cls == (th_library_is_mpich() ? MPI_ERR_ARG : MPI_ERR_REQUEST),
                   "second receive: class %d", cls);
        }
    }
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "basic";
    int migrate = strcmp(mode, "migrate") == 0;
    int rounds = argc > 2 ? atoi(argv[2]) : 4, i, spares;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECKF(size >= 2, "needs 2 ranks, has %d", size);
    if (migrate) {
        MPI_CHECK(MPIX_Spare_count(&spares));
        CHECKF(spares >= 2, "needs 2 spares (--spares 2), has %d", spares);
    } else {
        check_edges();
    }
    for (i = 0; i < rounds; i++)
        round_once(i, migrate);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("mprobe %s: OK %d ranks %d rounds\n", mode, size, rounds);
    MPI_Finalize();
    return 0;
}
