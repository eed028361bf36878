/* comm_query.c: local questions about communicators (Comm_compare,
 * Comm_set_name/get_name, Comm_test_inter).
 *
 * None of these talk to other ranks. Two handles of the same object are
 * MPI_IDENT; different communicators (different context ids) over the same
 * ranks in the same order are MPI_CONGRUENT, in another order MPI_SIMILAR.
 * For intercommunicators both the local and the remote groups are compared.
 * Names are kept in the communicator (in the container); the predefined
 * communicators answer with their standard names until renamed.
 */
#include <stdio.h>
#include <string.h>
#include "comm.h"
#include "comm_group.h"
#include "mpi_check.h"
#include "mpi_error.h"
#include "mpi_state.h"

#pragma weak MPI_Comm_compare = PMPI_Comm_compare
#pragma weak MPI_Comm_set_name = PMPI_Comm_set_name
#pragma weak MPI_Comm_get_name = PMPI_Comm_get_name
#pragma weak MPI_Comm_test_inter = PMPI_Comm_test_inter

int PMPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c1, *c2 = NULL;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm1, &c1);
    if (!err)
        err = mpi_check_comm(s, comm2, &c2);
    if (!err && !result)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(c2 ? comm2 : comm1, err, "MPI_Comm_compare");
    if (c1 == c2) {
        *result = MPI_IDENT;
        return MPI_SUCCESS;
    }
    *result = mpi_group_cmp(c1->group, c1->size, c2->group, c2->size);
    if (!c1->remote != !c2->remote) /* an intercommunicator and an intracommunicator */
        *result = MPI_UNEQUAL;
    else if (c1->remote && *result != MPI_UNEQUAL) { /* both groups count, the worse wins */
        int r = mpi_group_cmp(c1->remote, c1->remote_size, c2->remote, c2->remote_size);
        if (r != MPI_IDENT)
            *result = r;
    }
    if (*result == MPI_IDENT)
        *result = MPI_CONGRUENT;
    return MPI_SUCCESS;
}

int PMPI_Comm_set_name(MPI_Comm comm, const char *comm_name)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !comm_name)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_set_name");
    snprintf(c->name, sizeof(c->name), "%s", comm_name); /* truncated to fit, as MPI allows */
    return MPI_SUCCESS;
}

int PMPI_Comm_get_name(MPI_Comm comm, char *comm_name, int *resultlen)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    const char *name;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && (!comm_name || !resultlen))
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_get_name");
    name = c->name;
    if (!name[0] && comm == MPI_COMM_WORLD)
        name = "MPI_COMM_WORLD";
    else if (!name[0] && comm == MPI_COMM_SELF)
        name = "MPI_COMM_SELF";
    snprintf(comm_name, MPI_MAX_OBJECT_NAME, "%s", name);
    *resultlen = (int)strlen(comm_name);
    return MPI_SUCCESS;
}

int PMPI_Comm_test_inter(MPI_Comm comm, int *flag)
{
    MPI_THREAD_GUARD();
    struct mpi_rank_state *s;
    struct mpi_comm *c;
    int err = mpi_enter(&s);

    if (!err)
        err = mpi_check_comm(s, comm, &c);
    if (!err && !flag)
        err = MPI_ERR_ARG;
    if (err)
        return mpi_error(comm, err, "MPI_Comm_test_inter");
    *flag = c->remote != NULL;
    return MPI_SUCCESS;
}
