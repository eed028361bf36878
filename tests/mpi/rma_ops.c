/* rma_ops.c: every RMA operation under every synchronization mode, bit for
 * bit, with contiguous and derived datatypes on both sides.
 *
 * Each part fills windows with patterns that name (rank, index), runs
 * operations between neighbours and compares every element with what a
 * serial computation gives:
 *  fence     Put / Get / Accumulate (SUM, REPLACE, MAX) between fences;
 *  pscw      the same in post-start-complete-wait epochs, Win_test polled;
 *  lock      exclusive-lock counter (Fetch_and_op) and a Compare_and_swap
 *            mutex, shared locks with Get_accumulate, flush and
 *            flush_local between operations;
 *  req       Rput / Rget / Raccumulate / Rget_accumulate with Wait/Waitall
 *            under lock_all;
 *  dtype     vector origin into indexed target and back, accumulate through
 *            a strided target type, Get into a vector;
 *  dynamic   Win_create_dynamic + Win_attach/Win_detach;
 *  query     attributes (base, size, disp_unit, flavor, model), name, group,
 *            user keyvals with delete callbacks, allocate_shared's
 *            shared_query on self.
 * Prints "rma_ops: OK <n> ranks" at the end.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp_mpi.h"

#define N 64

static int rank, size, left, right;

static int pat(int r, int i)
{
    return r * 1000 + i;
}

static void fill(int *a, int r, int n)
{
    for (int i = 0; i < n; i++)
        a[i] = pat(r, i);
}

static void part_fence(void)
{
    int *base, src[N], got[N], i;
    MPI_Win w;

    MPI_CHECK(MPI_Win_allocate(4 * N * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD,
                               &base, &w));
    memset(base, 0, 4 * N * sizeof(int));
    fill(src, rank, N);
    MPI_CHECK(MPI_Win_fence(MPI_MODE_NOPRECEDE, w));
    MPI_CHECK(MPI_Put(src, N, MPI_INT, right, 0, N, MPI_INT, w));             /* [0, N) */
    MPI_CHECK(MPI_Accumulate(src, N, MPI_INT, 0, N, N, MPI_INT, MPI_SUM, w)); /* rank 0 */
    MPI_CHECK(MPI_Accumulate(src, N, MPI_INT, right, 2 * N, N, MPI_INT, MPI_REPLACE, w));
    MPI_CHECK(MPI_Accumulate(src, N, MPI_INT, 0, 3 * N, N, MPI_INT, MPI_MAX, w));
    MPI_CHECK(MPI_Win_fence(0, w));
    for (i = 0; i < N; i++) {
        int sum = 0;
        for (int r = 0; r < size; r++)
            sum += pat(r, i);
        CHECKF(base[i] == pat(left, i), "put %d: %d", i, base[i]);
        CHECKF(base[2 * N + i] == pat(left, i), "replace %d: %d", i, base[2 * N + i]);
        if (rank == 0) {
            CHECKF(base[N + i] == sum, "sum %d: %d want %d", i, base[N + i], sum);
            CHECKF(base[3 * N + i] == pat(size - 1, i), "max %d", i);
        }
    }
    MPI_CHECK(MPI_Get(got, N, MPI_INT, left, 0, N, MPI_INT, w));
    MPI_CHECK(MPI_Win_fence(MPI_MODE_NOSUCCEED, w));
    for (i = 0; i < N; i++)
        CHECKF(got[i] == pat((left - 1 + size) % size, i), "get %d: %d", i, got[i]);
    MPI_CHECK(MPI_Win_free(&w));
}

static void part_pscw(void)
{
    int mem[N], src[N], got[N], i, flag = 0, ranks[2] = {left, right}, n = left == right ? 1 : 2;
    MPI_Group world, nb;
    MPI_Win w;

    fill(mem, rank, N);
    fill(src, rank + 100, N);
    MPI_CHECK(MPI_Win_create(mem, sizeof(mem), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &w));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &world));
    MPI_CHECK(MPI_Group_incl(world, n, ranks, &nb));
    MPI_CHECK(MPI_Win_post(nb, 0, w));
    MPI_CHECK(MPI_Win_start(nb, 0, w));
    MPI_CHECK(MPI_Get(got, N / 2, MPI_INT, left, N / 2, N / 2, MPI_INT, w)); /* before the put */
    MPI_CHECK(MPI_Put(src, N / 2, MPI_INT, right, 0, N / 2, MPI_INT, w));
    MPI_CHECK(MPI_Win_complete(w));
    while (!flag)
        MPI_CHECK(MPI_Win_test(w, &flag));
    for (i = 0; i < N / 2; i++) {
        CHECKF(mem[i] == pat(left + 100, i), "pscw put %d: %d", i, mem[i]);
        CHECKF(got[i] == pat(left, N / 2 + i), "pscw get %d: %d", i, got[i]);
    }
    MPI_CHECK(MPI_Group_free(&nb));
    MPI_CHECK(MPI_Group_free(&world));
    MPI_CHECK(MPI_Win_free(&w));
}

static void part_lock(void)
{
    long *mem, one = 1, old, unlocked = 0, locked = 1, res;
    int i, iters = 50;
    MPI_Win w;

    MPI_CHECK(
        MPI_Win_allocate(3 * sizeof(long), sizeof(long), MPI_INFO_NULL, MPI_COMM_WORLD, &mem, &w));
    mem[0] = mem[1] = mem[2] = 0;
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    for (i = 0; i < iters; i++) {
        /* a counter under an exclusive lock */
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, w));
        MPI_CHECK(MPI_Fetch_and_op(&one, &old, MPI_LONG, 0, 0, MPI_SUM, w));
        MPI_CHECK(MPI_Win_flush(0, w));
        CHECK(old >= 0 && old < (long)iters * size);
        MPI_CHECK(MPI_Win_unlock(0, w));
        /* a mutex made of Compare_and_swap under a shared lock: the
         * protected read-modify-write of mem[2] must never lose an update */
        MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, w));
        do {
            MPI_CHECK(MPI_Compare_and_swap(&locked, &unlocked, &res, MPI_LONG, 0, 1, w));
            MPI_CHECK(MPI_Win_flush(0, w));
        } while (res != 0);
        MPI_CHECK(MPI_Get(&old, 1, MPI_LONG, 0, 2, 1, MPI_LONG, w));
        MPI_CHECK(MPI_Win_flush_local(0, w));
        old += 2;
        MPI_CHECK(MPI_Put(&old, 1, MPI_LONG, 0, 2, 1, MPI_LONG, w));
        MPI_CHECK(MPI_Win_flush(0, w));
        MPI_CHECK(MPI_Compare_and_swap(&unlocked, &locked, &res, MPI_LONG, 0, 1, w));
        MPI_CHECK(MPI_Win_unlock(0, w));
        CHECK(res == 1);
    }
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, w));
    MPI_CHECK(
        MPI_Get_accumulate(NULL, 0, MPI_LONG, &res, 1, MPI_LONG, 0, 0, 1, MPI_LONG, MPI_NO_OP, w));
    MPI_CHECK(
        MPI_Get_accumulate(&one, 1, MPI_LONG, &old, 1, MPI_LONG, 0, 2, 1, MPI_LONG, MPI_SUM, w));
    MPI_CHECK(MPI_Win_unlock(0, w));
    CHECKF(res == (long)iters * size, "counter %ld", res);
    CHECKF(old >= 2L * iters * size && old < 2L * iters * size + size, "mutex sum %ld", old);
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        CHECKF(mem[2] == 2L * iters * size + size, "final %ld", mem[2]);
    MPI_CHECK(MPI_Win_free(&w));
}

static void part_req(void)
{
    double *mem, src[N], got[N], res[N];
    MPI_Request rq[3];
    MPI_Status st[3];
    MPI_Win w;
    int i;

    MPI_CHECK(MPI_Win_allocate(2 * N * sizeof(double), sizeof(double), MPI_INFO_NULL,
                               MPI_COMM_WORLD, &mem, &w));
    for (i = 0; i < 2 * N; i++)
        mem[i] = rank + i / 8.0;
    for (i = 0; i < N; i++)
        src[i] = 0.5 * i + rank;
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    MPI_CHECK(MPI_Win_lock_all(0, w));
    MPI_CHECK(MPI_Rget(got, N, MPI_DOUBLE, right, N, N, MPI_DOUBLE, w, &rq[0]));
    MPI_CHECK(MPI_Wait(&rq[0], MPI_STATUS_IGNORE));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD)); /* every Rget read the initial values */
    MPI_CHECK(MPI_Rput(src, N, MPI_DOUBLE, right, 0, N, MPI_DOUBLE, w, &rq[0]));
    MPI_CHECK(MPI_Raccumulate(src, N, MPI_DOUBLE, right, N, N, MPI_DOUBLE, MPI_SUM, w, &rq[1]));
    MPI_CHECK(MPI_Rget_accumulate(src, N, MPI_DOUBLE, res, N, MPI_DOUBLE, left, N, N, MPI_DOUBLE,
                                  MPI_SUM, w, &rq[2]));
    MPI_CHECK(MPI_Waitall(3, rq, st));
    MPI_CHECK(MPI_Win_unlock_all(w));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    for (i = 0; i < N; i++) {
        CHECKF(got[i] == right + (N + i) / 8.0, "rget %d", i);
        CHECKF(mem[i] == 0.5 * i + left, "rput %d: %g", i, mem[i]);
        /* both neighbours added to [N, 2N): left by Raccumulate, right by
         * Rget_accumulate; res saw the left target before or after the
         * other's Raccumulate */
        CHECKF(mem[N + i] == rank + (N + i) / 8.0 + 0.5 * i + left + 0.5 * i + right, "racc %d: %g",
               i, mem[N + i]);
        CHECKF(res[i] == left + (N + i) / 8.0 ||
                   res[i] == left + (N + i) / 8.0 + 0.5 * i + (left - 1 + size) % size,
               "rgetacc %d: %g", i, res[i]);
    }
    MPI_CHECK(MPI_Win_free(&w));
}

static void part_dtype(void)
{
    int mem[4 * N], src[2 * N], got[2 * N], blens[N / 4], disps[N / 4], i, k;
    MPI_Datatype vec, idx;
    MPI_Win w;

    for (i = 0; i < 4 * N; i++)
        mem[i] = -1;
    fill(src, rank, 2 * N);
    /* origin: every other int of src (N items); target: N/4 blocks of 4 at
     * stride 12 ints */
    MPI_CHECK(MPI_Type_vector(N, 1, 2, MPI_INT, &vec));
    MPI_CHECK(MPI_Type_commit(&vec));
    for (i = 0; i < N / 4; i++) {
        blens[i] = 4;
        disps[i] = 12 * i;
    }
    MPI_CHECK(MPI_Type_indexed(N / 4, blens, disps, MPI_INT, &idx));
    MPI_CHECK(MPI_Type_commit(&idx));
    MPI_CHECK(MPI_Win_create(mem, sizeof(mem), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &w));
    MPI_CHECK(MPI_Win_fence(0, w));
    MPI_CHECK(MPI_Put(src, 1, vec, right, 0, 1, idx, w));
    MPI_CHECK(MPI_Accumulate(src, 1, vec, right, 4, 1, idx, MPI_SUM, w));
    MPI_CHECK(MPI_Win_fence(0, w));
    for (i = 0, k = 0; i < N / 4; i++)
        for (int j = 0; j < 4; j++, k++) {
            CHECKF(mem[12 * i + j] == pat(left, 2 * k), "dtype put %d", k);
            CHECKF(mem[12 * i + 4 + j] == pat(left, 2 * k) - 1, "dtype acc %d", k);
        }
    for (i = 0; i < 2 * N; i++)
        got[i] = -7;
    MPI_CHECK(MPI_Get(got, 1, vec, left, 0, 1, idx, w));
    MPI_CHECK(MPI_Win_fence(MPI_MODE_NOSUCCEED, w));
    for (k = 0; k < N; k++) {
        CHECKF(got[2 * k] == pat((left - 1 + size) % size, 2 * k), "dtype get %d", k);
        CHECKF(got[2 * k + 1] == -7, "dtype get hole %d", k);
    }
    MPI_CHECK(MPI_Win_free(&w));
    MPI_CHECK(MPI_Type_free(&vec));
    MPI_CHECK(MPI_Type_free(&idx));
}

static void part_dynamic(void)
{
    int *buf = malloc(N * sizeof(int)), src[N], i;
    MPI_Aint mine = (MPI_Aint)(uintptr_t)buf, *addrs = malloc(sizeof(MPI_Aint) * (size_t)size);
    MPI_Win w;

    CHECK(buf && addrs);
    memset(buf, 0, N * sizeof(int));
    fill(src, rank, N);
    MPI_CHECK(MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &w));
    MPI_CHECK(MPI_Win_attach(w, buf, N * sizeof(int)));
    MPI_CHECK(MPI_Allgather(&mine, 1, MPI_AINT, addrs, 1, MPI_AINT, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, right, 0, w));
    MPI_CHECK(MPI_Put(src, N, MPI_INT, right, addrs[right], N, MPI_INT, w));
    MPI_CHECK(MPI_Win_unlock(right, w));
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    for (i = 0; i < N; i++)
        CHECKF(buf[i] == pat(left, i), "dynamic %d: %d", i, buf[i]);
    MPI_CHECK(MPI_Win_detach(w, buf));
    MPI_CHECK(MPI_Win_free(&w));
    free(buf);
    free(addrs);
}

static int deleted;
static int count_delete(MPI_Win w, int kv, void *val, void *extra)
{
    (void)w;
    (void)kv;
    (void)extra;
    deleted += *(int *)val;
    return MPI_SUCCESS;
}

static void part_query(void)
{
    int mem[8], *fl, *du, *mo, flag, kv, val = 5, len, cmp, *sh, sdu;
    MPI_Aint *sz, ssz;
    void *b;
    char name[MPI_MAX_OBJECT_NAME];
    MPI_Group g, wg;
    MPI_Win w, sw;

    MPI_CHECK(MPI_Win_create(mem, sizeof(mem), 4, MPI_INFO_NULL, MPI_COMM_WORLD, &w));
    MPI_CHECK(MPI_Win_get_attr(w, MPI_WIN_BASE, &b, &flag));
    CHECK(flag && b == mem);
    MPI_CHECK(MPI_Win_get_attr(w, MPI_WIN_SIZE, &sz, &flag));
    CHECK(flag && *sz == sizeof(mem));
    MPI_CHECK(MPI_Win_get_attr(w, MPI_WIN_DISP_UNIT, &du, &flag));
    CHECK(flag && *du == 4);
    MPI_CHECK(MPI_Win_get_attr(w, MPI_WIN_CREATE_FLAVOR, &fl, &flag));
    CHECK(flag && *fl == MPI_WIN_FLAVOR_CREATE);
    MPI_CHECK(MPI_Win_get_attr(w, MPI_WIN_MODEL, &mo, &flag));
    CHECK(flag && *mo == MPI_WIN_UNIFIED);
    MPI_CHECK(MPI_Win_set_name(w, "rma_ops window"));
    MPI_CHECK(MPI_Win_get_name(w, name, &len));
    CHECK(strcmp(name, "rma_ops window") == 0 && len == 14);
    MPI_CHECK(MPI_Win_get_group(w, &g));
    MPI_CHECK(MPI_Comm_group(MPI_COMM_WORLD, &wg));
    MPI_CHECK(MPI_Group_compare(g, wg, &cmp));
    CHECK(cmp == MPI_IDENT);
    MPI_CHECK(MPI_Group_free(&g));
    MPI_CHECK(MPI_Group_free(&wg));
    MPI_CHECK(MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, count_delete, &kv, NULL));
    MPI_CHECK(MPI_Win_set_attr(w, kv, &val));
    MPI_CHECK(MPI_Win_get_attr(w, kv, &sh, &flag));
    CHECK(flag && sh == &val);
    MPI_CHECK(MPI_Win_free_keyval(&kv));
    MPI_CHECK(MPI_Win_free(&w)); /* runs the delete callback once */
    CHECKF(deleted == 5, "deleted %d", deleted);
    MPI_CHECK(MPI_Win_allocate_shared(16, 8, MPI_INFO_NULL, MPI_COMM_WORLD, &sh, &sw));
    MPI_CHECK(MPI_Win_shared_query(sw, rank, &ssz, &sdu, &b));
    CHECK(ssz == 16 && sdu == 8 && b == sh);
    MPI_CHECK(MPI_Win_free(&sw));
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    left = (rank - 1 + size) % size;
    right = (rank + 1) % size;
    part_fence();
    part_pscw();
    part_lock();
    part_req();
    part_dtype();
    part_dynamic();
    part_query();
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("rma_ops: OK %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
