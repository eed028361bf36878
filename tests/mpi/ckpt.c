/* ckpt.c: a job checkpointed mid-run, killed, and restarted (MPIX_Checkpoint).
 *
 * Usage: ckpt DIR MODE [MOVES]. Every rank keeps state in all the places a
 * container holds: initialised globals, bss, heap blocks (a linked list and
 * a buffer above the huge-page threshold), and a stack array (main's frame
 * carries the stack-protector canary). It runs ITERS iterations of a ring
 * computation; at iteration CKPT_AT, messages are in flight around the
 * checkpoint: an eager message and a rendezvous one whose receives are
 * posted only after it (unexpected RTS and eager in the queue, the large
 * payload still at its sender), a rendezvous one whose receive is posted
 * before it, and a synchronous send. MODE "run" goes on after the
 * checkpoint; "die" kills rank 1's cluster (SIGKILL) right after it (and
 * the others wait on it); "none" sends the same messages without a
 * checkpoint (the reference); a job restarted from the checkpoint resumes
 * inside MPIX_Checkpoint and goes on. With MOVES, ranks move to spares
 * before the checkpoint (MPIX_ANY_SPARE) and after it, and rank 1 is asked
 * to move by rank 0 as the checkpoint begins. MODE "errors" checks the
 * error classes of bad arguments and of a directory that cannot be made.
 * Rank 0 prints one line per rank with checksums of everything, only after
 * the checkpoint, so an uninterrupted run and a restarted one print the
 * same lines; a line starting with '#' says whether the call returned from
 * a restart and is not part of the results.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#define ITERS   24
#define CKPT_AT 11
#define BIG     (3 << 20) /* heap block above the huge-page threshold */
#define LARGE   200000    /* rendezvous message bytes */
#define SMALL   100       /* eager message bytes */

static uint64_t data_counter = 0x1234567887654321ULL; /* .data */
static double bss_field[4096];                        /* .bss */

struct node {
    struct node *next;
    uint64_t v;
};

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void fill(unsigned char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 9));
}

static struct node *list_push(struct node *head, uint64_t v)
{
    struct node *n = malloc(sizeof(*n));

    if (n == NULL)
        MPI_Abort(MPI_COMM_WORLD, 2);
    n->next = head;
    n->v = v;
    return n;
}

/* One step of the ring: every rank updates its state from its left
 * neighbour's. */
static void step(int it, int rank, int size, double *big, struct node **list)
{
    double mine = bss_field[it % 4096] + big[it * 1000 % (BIG / sizeof(double))], left;
    int right = (rank + 1) % size, from = (rank + size - 1) % size;

    MPI_Sendrecv(&mine, 1, MPI_DOUBLE, right, it, &left, 1, MPI_DOUBLE, from, it, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    bss_field[(it * 7) % 4096] += left * 0.5 + rank;
    big[(it * 4099) % (BIG / sizeof(double))] = left + it;
    data_counter = data_counter * 6364136223846793005ULL + (uint64_t)(left * 1000);
    *list = list_push(*list, data_counter ^ (uint64_t)it);
}

/* The messages in flight around the checkpoint, and the checkpoint. */
static int checkpoint_with_traffic(const char *dir, int rank, int size, unsigned char *bufs[6],
                                   int *restarted)
{
    int right = (rank + 1) % size, from = (rank + size - 1) % size, err;
    MPI_Request rq[6], coll;
    static double vec[4096], sum[4096]; /* .bss: in the image */

    fill(bufs[0], SMALL, 10 + rank);
    fill(bufs[1], LARGE, 20 + rank);
    fill(bufs[2], LARGE, 30 + rank);
    fill(bufs[3], SMALL, 40 + rank);
    MPI_Irecv(bufs[4], LARGE, MPI_BYTE, from, 102, MPI_COMM_WORLD, &rq[4]); /* posted before */
    MPI_Isend(bufs[0], SMALL, MPI_BYTE, right, 100, MPI_COMM_WORLD, &rq[0]);
    MPI_Isend(bufs[1], LARGE, MPI_BYTE, right, 101, MPI_COMM_WORLD, &rq[1]);
    MPI_Isend(bufs[2], LARGE, MPI_BYTE, right, 102, MPI_COMM_WORLD, &rq[2]);
    MPI_Issend(bufs[3], SMALL, MPI_BYTE, right, 103, MPI_COMM_WORLD, &rq[3]);
    for (int i = 0; i < 4096; i++)
        vec[i] = (double)((i * 31 + rank * 7) % 1000) / 8;
    /* A nonblocking collective under way across the cut (several rounds). */
    MPI_Iallreduce(vec, sum, 4096, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &coll);
    err = dir != NULL ? MPIX_Checkpoint(dir, restarted) : MPI_SUCCESS;
    if (err != MPI_SUCCESS)
        return err;
    /* The receives of the unexpected ones, posted after the cut. */
    unsigned char *small = malloc(SMALL), *large = malloc(LARGE), *sync = malloc(SMALL);
    MPI_Recv(small, SMALL, MPI_BYTE, from, 100, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(large, LARGE, MPI_BYTE, from, 101, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(sync, SMALL, MPI_BYTE, from, 103, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int i = 0; i < 5; i++)
        MPI_Wait(&rq[i], MPI_STATUS_IGNORE);
    MPI_Wait(&coll, MPI_STATUS_IGNORE);
    for (int i = 0; i < 4096; i++)
        bss_field[i] += sum[i];
    memcpy(bufs[5], small, SMALL);
    memcpy(bufs[5] + SMALL, sync, SMALL);
    memcpy(bufs[5] + 2 * SMALL, large, LARGE);
    free(small);
    free(large);
    free(sync);
    return MPI_SUCCESS;
}

/* Mode "errors": bad arguments give their classes, through the handler. */
static int check_errors(int rank, const char *dir)
{
    char path[4200];
    int restarted, cls, bad = 0, err;

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Error_class(MPIX_Checkpoint(NULL, &restarted), &cls);
    bad |= cls != MPI_ERR_ARG;
    MPI_Error_class(MPIX_Checkpoint("", &restarted), &cls);
    bad |= cls != MPI_ERR_ARG;
    MPI_Error_class(MPIX_Checkpoint(dir, NULL), &cls);
    bad |= cls != MPI_ERR_ARG;
    memset(path, 'a', sizeof(path) - 1);
    path[sizeof(path) - 1] = '\0';
    MPI_Error_class(MPIX_Checkpoint(path, &restarted), &cls);
    bad |= cls != MPI_ERR_ARG;
    /* A directory that cannot be made (its parent is a regular file). */
    snprintf(path, sizeof(path), "%s/file/sub", dir);
    err = MPIX_Checkpoint(path, &restarted);
    MPI_Error_class(err, &cls);
    bad |= cls != MPI_ERR_IO;
    /* The job goes on after a failed checkpoint, and a good one works. */
    err = MPIX_Checkpoint(dir, &restarted);
    bad |= err != MPI_SUCCESS || restarted != 0;
    if (rank == 0)
        printf(bad ? "ckpt: errors FAILED\n" : "ckpt: errors OK\n");
    return bad;
}

int main(int argc, char **argv)
{
    unsigned char stack_area[4096], *bufs[6];
    struct node *list = NULL;
    int rank, size, restarted = 0, moves = argc > 3 ? atoi(argv[3]) : 0;
    double *big;
    uint64_t h;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 3 || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: ckpt DIR none|run|die|errors [MOVES], 2 ranks or more\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    if (strcmp(argv[2], "errors") == 0) {
        int bad = check_errors(rank, argv[1]);

        MPI_Finalize();
        return bad;
    }
    fill(stack_area, sizeof(stack_area), (unsigned)rank);
    big = malloc(BIG);
    for (int i = 0; i < 6; i++)
        bufs[i] = calloc(1, 2 * SMALL + LARGE);
    for (size_t i = 0; i < BIG / sizeof(double); i++)
        big[i] = (double)(i % 977) * 0.25 + rank;
    for (int i = 0; i < 4096; i++)
        bss_field[i] = i * 0.001 * (rank + 1);
    for (int it = 0; it < ITERS; it++) {
        if (moves && it == CKPT_AT - 2 && rank < moves && MPI_Migrateto(MPIX_ANY_SPARE) != 0)
            fprintf(stderr, "ckpt: rank %d could not move before the checkpoint\n", rank);
        if (it == CKPT_AT) {
            /* Rank 1 is asked to move: its next safe point is in the
             * checkpoint, which holds moves: it moves after it. */
            if (moves && rank == 0 && MPIX_Migrate(1, MPIX_ANY_SPARE, MPI_COMM_WORLD) != 0)
                fprintf(stderr, "ckpt: could not ask rank 1 to move\n");
            const char *dir = strcmp(argv[2], "none") == 0 ? NULL : argv[1];

            if (checkpoint_with_traffic(dir, rank, size, bufs, &restarted) != MPI_SUCCESS)
                MPI_Abort(MPI_COMM_WORLD, 3);
            if (!restarted && strcmp(argv[2], "die") == 0 && rank == 1) {
                fflush(stdout);
                raise(SIGKILL);
            }
        }
        if (moves && it == CKPT_AT + 2 && rank == size - 1 && MPI_Migrateto(MPIX_ANY_SPARE) != 0)
            fprintf(stderr, "ckpt: rank %d could not move after the checkpoint\n", rank);
        step(it, rank, size, big, &list);
        stack_area[it * 97 % sizeof(stack_area)] ^= (unsigned char)it;
    }
    h = mix(0xcbf29ce484222325ULL, &data_counter, sizeof(data_counter));
    h = mix(h, bss_field, sizeof(bss_field));
    h = mix(h, big, BIG);
    h = mix(h, stack_area, sizeof(stack_area));
    h = mix(h, bufs[4], LARGE);
    h = mix(h, bufs[5], 2 * SMALL + LARGE);
    for (struct node *n = list; n != NULL; n = n->next)
        h = mix(h, &n->v, sizeof(n->v));
    uint64_t *all = rank == 0 ? malloc((size_t)size * sizeof(*all)) : NULL;
    MPI_Gather(&h, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("# restarted=%d\n", restarted);
        for (int r = 0; r < size; r++)
            printf("ckpt: rank %d state %016llx\n", r, (unsigned long long)all[r]);
        printf("ckpt: OK\n");
    }
    MPI_Finalize();
    return 0;
}
