/* mpi_wait.c: completion of requests (Wait, Test and their any/all/some forms,
 * Request_free, Cancel).
 *
 * Handles are all checked before anything completes, so a bad handle in an
 * array leaves every request untouched. Wait-type calls block in cv (cv_wait
 * for one request, cv_idle between scans for several); Test-type calls
 * progress once and look. Multiple-completion calls that see an operation
 * fail return MPI_ERR_IN_STATUS with each status' MPI_ERROR filled in.
 */
#include <errno.h>
#include <stdlib.h>
#include "comm.h"
#include "mpi_error.h"
#include "mpi_request.h"
#include "mpi_state.h"
#include "mpi_status.h"
#include "cv.h"

#pragma weak MPI_Wait = PMPI_Wait
#pragma weak MPI_Waitall = PMPI_Waitall
#pragma weak MPI_Waitany = PMPI_Waitany
#pragma weak MPI_Waitsome = PMPI_Waitsome
#pragma weak MPI_Test = PMPI_Test
#pragma weak MPI_Testall = PMPI_Testall
#pragma weak MPI_Testany = PMPI_Testany
#pragma weak MPI_Testsome = PMPI_Testsome
#pragma weak MPI_Request_free = PMPI_Request_free
#pragma weak MPI_Cancel = PMPI_Cancel

/* Status slot i of an array, or MPI_STATUS_IGNORE. */
static MPI_Status *status_at(MPI_Status *sts, int i)
{
    return sts == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &sts[i];
}

/* Checks an array of handles (null handles allowed). Returns MPI_SUCCESS,
 * MPI_ERR_COUNT, MPI_ERR_ARG or MPI_ERR_REQUEST. */
static int check_array(struct mpi_rank_state *s, int count, const MPI_Request *reqs)
{
    int i;

    if (count < 0)
        return MPI_ERR_COUNT;
    if (count > 0 && !reqs)
        return MPI_ERR_ARG;
    for (i = 0; i < count; i++)
        if (reqs[i] != MPI_REQUEST_NULL && !mpi_req_get(&s->reqs, reqs[i]))
            return MPI_ERR_REQUEST;
    return MPI_SUCCESS;
}

/* Communicator handle of live request h (for the error handler). */
static MPI_Comm req_comm(struct mpi_rank_state *s, MPI_Request h)
{
    return mpi_req_get(&s->reqs, h)->comm->handle;
}

/* Finishes the requests marked in done[] (all non-null ones when done is
 * NULL); records per-request errors in statuses. *ecomm_p gets the comm of
 * the first failure. Returns MPI_SUCCESS or MPI_ERR_IN_STATUS. */
static int finish_many(struct mpi_rank_state *s, int count, MPI_Request *reqs, const char *done,
                       MPI_Status *sts, MPI_Comm *ecomm_p)
{
    int i, err, result = MPI_SUCCESS;
    MPI_Comm comm;

    for (i = 0; i < count; i++) {
        if (reqs[i] == MPI_REQUEST_NULL || (done && !done[i]))
            continue;
        comm = req_comm(s, reqs[i]);
        err = mpi_req_finish(s, &reqs[i], status_at(sts, i));
        if (err && result == MPI_SUCCESS) {
            result = MPI_ERR_IN_STATUS;
            *ecomm_p = comm;
        }
        if (sts != MPI_STATUSES_IGNORE)
            sts[i].MPI_ERROR = mpi_error_class_of(err);
    }
    return result;
}

int PMPI_Wait(MPI_Request *request, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    int err = mpi_enter(&s);

    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && *request == MPI_REQUEST_NULL) {
        mpi_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!err && !mpi_req_get(&s->reqs, *request))
        err = MPI_ERR_REQUEST;
    if (!err) {
        comm = req_comm(s, *request);
        err = mpi_req_wait(s, request, status);
    }
    return mpi_error(comm, err, "MPI_Wait");
}

int PMPI_Test(MPI_Request *request, int *flag, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r = NULL;
    MPI_Comm comm = MPI_COMM_WORLD;
    int err = mpi_enter(&s);

    if (!err && (!request || !flag))
        err = MPI_ERR_ARG;
    if (!err && *request == MPI_REQUEST_NULL) {
        *flag = 1;
        mpi_status_empty(status);
        return MPI_SUCCESS;
    }
    if (!err && !(r = mpi_req_get(&s->reqs, *request)))
        err = MPI_ERR_REQUEST;
    if (err)
        return mpi_error(comm, err, "MPI_Test");
    comm = r->comm->handle;
    mpi_progress(s);
    *flag = mpi_req_done(r);
    if (*flag)
        err = mpi_req_finish(s, request, status);
    return mpi_error(comm, err, "MPI_Test");
}

int PMPI_Waitall(int count, MPI_Request array_of_requests[], MPI_Status array_of_statuses[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    int i, err = mpi_enter(&s);

    if (!err)
        err = check_array(s, count, array_of_requests);
    for (i = 0; !err && i < count; i++) {
        struct mpi_request *r = mpi_req_get(&s->reqs, array_of_requests[i]);
        if (r)
            mpi_req_block(s, r);
    }
    if (!err)
        err = finish_many(s, count, array_of_requests, NULL, array_of_statuses, &comm);
    return mpi_error(comm, err, "MPI_Waitall");
}

int PMPI_Testall(int count, MPI_Request array_of_requests[], int *flag,
                 MPI_Status array_of_statuses[])
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    int i, err = mpi_enter(&s);

    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (!err)
        err = check_array(s, count, array_of_requests);
    if (err)
        return mpi_error(comm, err, "MPI_Testall");
    mpi_progress(s);
    *flag = 1;
    for (i = 0; i < count && *flag; i++) {
        struct mpi_request *r = mpi_req_get(&s->reqs, array_of_requests[i]);
        if (r && !mpi_req_done(r))
            *flag = 0;
    }
    if (*flag)
        err = finish_many(s, count, array_of_requests, NULL, array_of_statuses, &comm);
    return mpi_error(comm, err, "MPI_Testall");
}

/* Index of the first complete request, -1 if none is complete yet, or
 * MPI_UNDEFINED when every handle is null. */
static int scan_any(struct mpi_rank_state *s, int count, const MPI_Request *reqs)
{
    int i, active = 0;

    for (i = 0; i < count; i++) {
        struct mpi_request *r = mpi_req_get(&s->reqs, reqs[i]);
        if (!r || r->kind == MPI_REQ_INACTIVE) /* inactive counts as null */
            continue;
        if (mpi_req_done(r))
            return i;
        active = 1;
    }
    return active ? -1 : MPI_UNDEFINED;
}

/* Shared by Waitany (block = 1) and Testany. */
static int any_complete(int count, MPI_Request *reqs, int *indx, int *flag, MPI_Status *status,
                        int block, const char *fname)
{
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    unsigned spins = 0;
    int i = -1, err = mpi_enter(&s);

    if (!err && (!indx || !flag))
        err = MPI_ERR_ARG;
    if (!err)
        err = check_array(s, count, reqs);
    if (err)
        return mpi_error(comm, err, fname);
    mpi_progress(s);
    while ((i = scan_any(s, count, reqs)) == -1 && block)
        mpi_progress_idle(&spins);
    *flag = i != -1;
    *indx = i >= 0 ? i : MPI_UNDEFINED;
    if (i == MPI_UNDEFINED)
        mpi_status_empty(status);
    if (i >= 0) {
        comm = req_comm(s, reqs[i]);
        err = mpi_req_finish(s, &reqs[i], status);
    }
    return mpi_error(comm, err, fname);
}

int PMPI_Waitany(int count, MPI_Request array_of_requests[], int *indx, MPI_Status *status)
{
    MPI_THREAD_GUARD();
    int flag;

    return any_complete(count, array_of_requests, indx, &flag, status, 1, "MPI_Waitany");
}

int PMPI_Testany(int count, MPI_Request array_of_requests[], int *indx, int *flag,
                 MPI_Status *status)
{
    MPI_THREAD_GUARD();
    return any_complete(count, array_of_requests, indx, flag, status, 0, "MPI_Testany");
}

/* Shared by Waitsome (block = 1) and Testsome: completes every finished
 * request, reporting them in indices[0..*outcount-1]. */
static int some_complete(int incount, MPI_Request *reqs, int *outcount, int *indices,
                         MPI_Status *sts, int block, const char *fname)
{
    struct mpi_rank_state *s;
    MPI_Comm comm = MPI_COMM_WORLD;
    unsigned spins = 0;
    char *done = NULL;
    int i, n = 0, err = mpi_enter(&s);

    if (!err && (!outcount || (incount > 0 && !indices)))
        err = MPI_ERR_ARG;
    if (!err)
        err = check_array(s, incount, reqs);
    if (err)
        return mpi_error(comm, err, fname);
    if (incount > 0 && !(done = calloc((size_t)incount, 1)))
        return mpi_error(comm, -ENOMEM, fname);
    mpi_progress(s);
    while (scan_any(s, incount, reqs) == -1 && block)
        mpi_progress_idle(&spins);
    if (scan_any(s, incount, reqs) == MPI_UNDEFINED) {
        *outcount = MPI_UNDEFINED;
        free(done);
        return MPI_SUCCESS;
    }
    for (i = 0; i < incount; i++) {
        struct mpi_request *r = mpi_req_get(&s->reqs, reqs[i]);
        if (r && r->kind != MPI_REQ_INACTIVE && mpi_req_done(r)) {
            done[i] = 1;
            indices[n] = i;
            n++;
        }
    }
    *outcount = n;
    /* Statuses are reported in completion order: compact them after finishing. */
    err = finish_many(s, incount, reqs, done, sts, &comm);
    if (sts != MPI_STATUSES_IGNORE)
        for (i = 0; i < n; i++)
            sts[i] = sts[indices[i]];
    free(done);
    return mpi_error(comm, err, fname);
}

int PMPI_Waitsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status array_of_statuses[])
{
    MPI_THREAD_GUARD();
    return some_complete(incount, array_of_requests, outcount, array_of_indices, array_of_statuses,
                         1, "MPI_Waitsome");
}

int PMPI_Testsome(int incount, MPI_Request array_of_requests[], int *outcount,
                  int array_of_indices[], MPI_Status array_of_statuses[])
{
    MPI_THREAD_GUARD();
    return some_complete(incount, array_of_requests, outcount, array_of_indices, array_of_statuses,
                         0, "MPI_Testsome");
}

/* The live, non-collective request behind *request, for Request_free and
 * Cancel (both erroneous on a nonblocking collective by MPI 5.12). Returns
 * MPI_SUCCESS with *s_p, *r_p set, or the error already handled. */
static int user_request(MPI_Request *request, struct mpi_rank_state **s_p, struct mpi_request **r_p,
                        const char *fname)
{
    struct mpi_request *r = NULL;
    int err = mpi_enter(s_p);

    if (!err && !request)
        err = MPI_ERR_ARG;
    if (!err && !(r = mpi_req_get(&(*s_p)->reqs, *request)))
        err = MPI_ERR_REQUEST;
    if (err)
        return mpi_error(MPI_COMM_WORLD, err, fname);
    if (r->kind == MPI_REQ_COLL)
        return mpi_error(r->comm->handle, MPI_ERR_REQUEST, fname);
    *r_p = r;
    return MPI_SUCCESS;
}

int PMPI_Request_free(MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r;
    int err = user_request(request, &s, &r, "MPI_Request_free");

    if (err)
        return err;
    if (r->kind == MPI_REQ_GREQ) {
        err = mpi_greq_free(s, *request);
        *request = MPI_REQUEST_NULL;
        return mpi_error(MPI_COMM_WORLD, err, "MPI_Request_free");
    }
    if (r->kind == MPI_REQ_PAIR)
        mpi_pair_abandon(s, r->pair); /* both halves run on unowned */
    if (r->cv)
        cv_request_free(r->cv); /* cv keeps an operation in flight until it completes */
    mpi_req_release(&s->reqs, *request);
    *request = MPI_REQUEST_NULL;
    return MPI_SUCCESS;
}

/* Receives that have not matched are cancelled; a send always completes
 * normally (MPI allows a cancel to fail: MPI_Test_cancelled then says 0). */
int PMPI_Cancel(MPI_Request *request)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_request *r;
    int err = user_request(request, &s, &r, "MPI_Cancel");

    if (err)
        return err;
    if (r->kind == MPI_REQ_GREQ)
        return mpi_error(r->comm->handle, mpi_greq_cancel(r->greq), "MPI_Cancel");
    if (r->kind == MPI_REQ_PAIR)
        return mpi_error(r->comm->handle, mpi_pair_cancel(s, r->pair), "MPI_Cancel");
    if (r->kind == MPI_REQ_RECV && cv_cancel(r->cv) < 0)
        return mpi_error(r->comm->handle, MPI_ERR_INTERN, "MPI_Cancel");
    return MPI_SUCCESS;
}
