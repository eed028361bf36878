/* mpi_checkpoint.c: MPIX_Checkpoint, a coordinated checkpoint of the whole job.
 *
 * Collective over MPI_COMM_WORLD. The cut is made by draining, not by
 * logging: every rank stops at the call, and the job's messages are pushed
 * into their receivers' MPI queues, which live in the receivers'
 * containers, so each image holds them exactly once and a restart needs no
 * replay. (A log would have to capture what is still in the fabric, the
 * portals and the senders' ports, all of them cluster-side, and replay it
 * in the new job.) Draining uses markers on FIFO channels: a rank sends a
 * marker to every other rank on a private communicator and receives one
 * from every other, and since comm-virt delivers each pair's matching
 * messages in sequence order (and the transport keeps each pair's order),
 * a rank that has every marker has every message sent to it before them.
 * What the ranks' MPI waits do meanwhile may send more: protocol answers
 * (a matched RTS answers CTS, a CTS answers GO and the portal write, a
 * matched synchronous send answers ACK) and the next steps of nonblocking
 * collectives or one-sided operations under way. So the markers go round
 * by round, each round after the quiesce that ends this rank's portal
 * transfers (rmig_checkpoint_quiesce), and each marker says whether its
 * sender sent anything but markers in the round before (comm-virt's
 * cv_sent_count): the drain ends after three rounds at least, once two
 * rounds in a row were quiet on every rank (every rank learns the same
 * flags in the same round, so all stop together). Moves are held meanwhile
 * (rmig_checkpoint_hold): a move would put messages on another path.
 * Then every rank writes its image (rmig_checkpoint_write), all agree that
 * every image is written, and rank 0 writes the manifest, which makes the
 * checkpoint complete. In a job restarted from the checkpoint every rank
 * returns from rmig_checkpoint_write a second time, with *restarted = 1,
 * and leaves the call at once: the images were taken after the drain, so
 * nothing of the protocol is left to do.
 *
 * The protocol itself (mpi_checkpoint_take) runs on any private
 * communicator over the world and uses point-to-point only, so a
 * checkpoint asked from outside the job (mpi_checkpoint_ext.c) runs it too,
 * nested in whatever MPI wait each rank is in.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "mpi_checkpoint.h"
#include "mpi_error.h"
#include "mpi_state.h"
#include "cv.h"
#include "rmig.h"

#pragma weak MPIX_Checkpoint = PMPIX_Checkpoint

int PMPIX_Checkpoint(const char *dir, int *restarted);

#define MPI_CKPT_ROUNDS     3    /* at least: RTS -> CTS -> GO, see above */
#define MPI_CKPT_MAX_ROUNDS 1000 /* a job still sending after that many is refused */

/* Tags on the private communicator: the opening exchange and the marker
 * rounds (alternating 0 and 1, MPI_CKPT_TAG_OPEN is 0), "written", and the
 * outcome rank 0 sends to all. */
#define MPI_CKPT_TAG_WRITTEN 2
#define MPI_CKPT_TAG_OUTCOME 3

/* Sends `out` from every rank straight to every other (a collective could
 * relay it) with `tag` on the private communicator c, and gathers what
 * every other rank sent into in[]. Returns 0, -ENOMEM or -EIO. */
static int mpi_ckpt_exchange(MPI_Comm c, int rank, int size, int tag, int out, int *in)
{
    MPI_Request *req = malloc(2 * (size_t)size * sizeof(*req));
    int n = 0, ret = req == NULL ? -ENOMEM : 0;

    in[rank] = out;
    for (int peer = 0; ret == 0 && peer < size; peer++) {
        if (peer == rank)
            continue;
        if (PMPI_Irecv(&in[peer], 1, MPI_INT, peer, tag, c, &req[n++]) != MPI_SUCCESS ||
            PMPI_Isend(&out, 1, MPI_INT, peer, tag, c, &req[n++]) != MPI_SUCCESS)
            ret = -EIO;
    }
    for (int i = 0; ret == 0 && i < n; i++)
        ret = PMPI_Wait(&req[i], MPI_STATUS_IGNORE) == MPI_SUCCESS ? 0 : -EIO;
    free(req);
    return ret;
}

/* The worst of in[0..size-1] (errors are negative). */
static int mpi_ckpt_worst(const int *in, int size)
{
    int worst = 0;

    for (int i = 0; i < size; i++)
        worst = in[i] < worst ? in[i] : worst;
    return worst;
}

/* Non-zero when every in[0..size-1] is. */
static int mpi_ckpt_all(const int *in, int size)
{
    for (int i = 0; i < size; i++)
        if (!in[i])
            return 0;
    return 1;
}

/* Drains the job's messages into their receivers' queues: rounds of
 * markers, each after the quiesce that ends this rank's portal transfers.
 * Each marker carries whether its sender sent anything but markers during
 * the round before (cv_sent_count), so every rank learns the same flags in
 * the same round and stops in the same round: after MPI_CKPT_ROUNDS at
 * least, once two rounds in a row were quiet everywhere. The last round is
 * the last thing a rank receives before its image. Returns 0, -EBUSY when
 * the job does not quiet down, or the error of an exchange. */
static int mpi_ckpt_drain(MPI_Comm c, int rank, int size, int *in)
{
    uint64_t before = cv_sent_count();
    int ret = 0, quiet = 0, quiet_rounds = 0;

    for (int round = 0; ret == 0; round++) {
        if (round == MPI_CKPT_MAX_ROUNDS)
            return -EBUSY;
        ret = rmig_checkpoint_quiesce();
        if (ret == 0)
            ret = mpi_ckpt_exchange(c, rank, size, round % 2, quiet, in);
        quiet = cv_sent_count() - before == (uint64_t)(size - 1); /* its own markers only */
        before = cv_sent_count();
        if (ret == 0 && round > 0) /* in[] says who was quiet in the round before */
            quiet_rounds = mpi_ckpt_all(in, size) ? quiet_rounds + 1 : 0;
        if (round + 1 >= MPI_CKPT_ROUNDS && quiet_rounds >= 2)
            break;
    }
    return ret;
}

/* A restarted job: "written" notices of the old job may have reached this
 * rank's queue before its image was taken (from ranks that wrote first);
 * they belong to nothing now and go. */
static void mpi_ckpt_discard_notices(MPI_Comm c)
{
    MPI_Status st;
    int flag = 1, v;

    while (flag) {
        if (PMPI_Iprobe(MPI_ANY_SOURCE, MPI_CKPT_TAG_WRITTEN, c, &flag, &st) != MPI_SUCCESS)
            return;
        if (flag)
            PMPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, MPI_CKPT_TAG_WRITTEN, c, MPI_STATUS_IGNORE);
    }
}

/* Logs why the checkpoint failed (once, on rank 0: `who` asked for it) and
 * gives back ret. */
static int mpi_ckpt_failed(int rank, const char *who, const char *dir, const char *step, int ret)
{
    if (rank == 0)
        base_log(BASE_LOG_ERROR, "mpi", "%s(%s): %s failed: %s", who, dir, step, strerror(-ret));
    return ret;
}

/* Rank 0 sends its *v to every other rank, which receive it (point to
 * point: a collective here could be nested in another one). Returns 0 or
 * -EIO. */
static int mpi_ckpt_from_root(MPI_Comm c, int rank, int size, int *v)
{
    if (rank != 0)
        return PMPI_Recv(v, 1, MPI_INT, 0, MPI_CKPT_TAG_OUTCOME, c, MPI_STATUS_IGNORE) ==
                       MPI_SUCCESS
                   ? 0
                   : -EIO;
    for (int peer = 1; peer < size; peer++)
        if (PMPI_Send(v, 1, MPI_INT, peer, MPI_CKPT_TAG_OUTCOME, c) != MPI_SUCCESS)
            return -EIO;
    return 0;
}

/* After the drain: the image, then (the old job only) "written" from every
 * rank to every rank, so no rank sends anything that could land in an
 * image not yet taken; then rank 0's manifest, whose outcome all learn. */
static int mpi_ckpt_write(MPI_Comm c, const char *dir, int rank, int size, int *in, int *restarted)
{
    int ret = rmig_checkpoint_write(dir, size, restarted), all;

    if (ret == 0 && *restarted) {
        mpi_ckpt_discard_notices(c);
        return 0;
    }
    all = mpi_ckpt_exchange(c, rank, size, MPI_CKPT_TAG_WRITTEN, ret, in);
    all = all < 0 ? all : mpi_ckpt_worst(in, size);
    if (all == 0 && rank == 0)
        all = rmig_checkpoint_manifest(dir, size);
    if (mpi_ckpt_from_root(c, rank, size, &all) < 0)
        return -EIO;
    return all;
}

int mpi_checkpoint_take(MPI_Comm c, const char *who, const char *dir, int rank, int size,
                        int *restarted)
{
    int *in = malloc((size_t)size * sizeof(*in)), ret;

    if (in == NULL)
        return -ENOMEM;
    /* Every rank learns the worst of what all sent: rank 0's directory, or
     * a rank that declines (mpi_checkpoint_ext.c). */
    ret = mpi_ckpt_exchange(c, rank, size, MPI_CKPT_TAG_OPEN,
                            rank == 0 ? rmig_checkpoint_open(dir) : 0, in);
    if (ret == 0 && (ret = mpi_ckpt_worst(in, size)) < 0) {
        const char *step = in[0] < 0 ? "making the directory" : "starting (a rank declined)";

        free(in);
        return mpi_ckpt_failed(rank, who, dir, step, ret);
    }
    rmig_checkpoint_hold(1);
    if (ret == 0)
        ret = mpi_ckpt_drain(c, rank, size, in);
    if (ret == 0)
        ret = mpi_ckpt_write(c, dir, rank, size, in, restarted);
    rmig_checkpoint_hold(0);
    free(in);
    return ret < 0 ? mpi_ckpt_failed(rank, who, dir, "writing the checkpoint", ret) : 0;
}

/* MPIX_Checkpoint on a duplicate of the world; returns MPI_SUCCESS or an
 * MPI error class: a rank running threads is refused as a move is
 * (-EUSERS, its own class in mpi_error()); anything else is a file error. */
static int mpi_ckpt_run(const char *dir, int rank, int size, int *restarted)
{
    MPI_Comm c = MPI_COMM_NULL;
    int ret;

    /* The private communicator is made before anything is held: dup talks. */
    if (PMPI_Comm_dup(MPI_COMM_WORLD, &c) != MPI_SUCCESS)
        return MPI_ERR_IO;
    ret = mpi_checkpoint_take(c, "MPIX_Checkpoint", dir, rank, size, restarted);
    PMPI_Comm_free(&c);
    return ret == 0         ? MPI_SUCCESS
           : ret == -EUSERS ? ret
           : ret == -ENOMEM ? MPI_ERR_NO_MEM
                            : MPI_ERR_IO;
}

int PMPIX_Checkpoint(const char *dir, int *restarted)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    int err = mpi_enter(&s), rank, size;

    if (err)
        return mpi_error(MPI_COMM_WORLD, err, "MPIX_Checkpoint");
    if (dir == NULL || dir[0] == '\0' || strlen(dir) >= PATH_MAX - 32 || restarted == NULL)
        return mpi_error(MPI_COMM_WORLD, MPI_ERR_ARG, "MPIX_Checkpoint");
    *restarted = 0;
    PMPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    err = mpi_ckpt_run(dir, rank, size, restarted);
    return err ? mpi_error(MPI_COMM_WORLD, err, "MPIX_Checkpoint") : MPI_SUCCESS;
}
