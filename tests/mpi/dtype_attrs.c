/* dtype_attrs.c: datatype names and attributes, and the attribute rules
 * shared with communicators (failing callbacks, predefined keyvals, keyval
 * kinds, deletion order at MPI_Finalize).
 *
 * Modes (argv[1]):
 *  all      names of predefined and derived types; datatype keyvals with
 *           copy/delete callbacks through Type_dup and Type_free (on derived
 *           and predefined types); a failing delete callback fails set and
 *           delete and the value stays; a failing copy callback fails
 *           Comm_dup/Type_dup with a NULL handle; predefined keyvals read
 *           (MPI_LASTUSEDCODE too) but refused by set/delete; keyvals of the
 *           wrong kind refused; MPI_COMM_SELF's attributes deleted last set
 *           first at MPI_Finalize, before it is finalized (printed, checked
 *           by the script).
 *  migrate  (nanvix-mpi only, needs spares) every rank moves while it holds
 *           named types with attributes; after the move names, values and
 *           callbacks are all still there.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testhelp.h"
#include "testhelp_mpi.h"

static int rank, size;

/* Calls of the callbacks, and the values they were called with. */
static int copies, deletes;
static int last_deleted = -1, deleted_sum;

/* Copy: the duplicate gets value + 1. */
static int copy_plus_one(MPI_Datatype t, int key, void *extra, void *in, void *out, int *flag)
{
    (void)t;
    (void)key;
    CHECK(extra == &copies);
    copies++;
    *(MPI_Aint *)out = (MPI_Aint)in + 1;
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_count(MPI_Datatype t, int key, void *val, void *extra)
{
    (void)t;
    (void)key;
    (void)extra;
    deletes++;
    last_deleted = (int)(MPI_Aint)val;
    deleted_sum += last_deleted;
    return MPI_SUCCESS;
}

static int fail_copy(MPI_Comm c, int key, void *extra, void *in, void *out, int *flag)
{
    (void)c;
    (void)key;
    (void)extra;
    *(void **)out = in;
    *flag = 1;
    return MPI_ERR_OTHER;
}

static int fail_delete_on; /* the delete callbacks below fail while set */
static int fail_delete(MPI_Comm c, int key, void *val, void *extra)
{
    (void)c;
    (void)key;
    (void)val;
    (void)extra;
    return fail_delete_on ? MPI_ERR_OTHER : MPI_SUCCESS;
}

static void expect_name(MPI_Datatype t, const char *want)
{
    char name[MPI_MAX_OBJECT_NAME];
    int len = -1;

    MPI_CHECK(MPI_Type_get_name(t, name, &len));
    CHECKF(strcmp(name, want) == 0 && len == (int)strlen(want), "name '%s' (%d), want '%s'", name,
           len, want);
}

static void expect_attr(MPI_Datatype t, int key, int present, MPI_Aint want)
{
    void *v = NULL;
    int flag = -1;

    MPI_CHECK(MPI_Type_get_attr(t, key, &v, &flag));
    CHECKF(flag == present, "flag %d, want %d", flag, present);
    if (present)
        CHECKF((MPI_Aint)v == want, "value %ld, want %ld", (long)(MPI_Aint)v, (long)want);
}

static void test_names(void)
{
    MPI_Datatype v;
    char longname[2 * MPI_MAX_OBJECT_NAME];
    int err;

    expect_name(MPI_INT, "MPI_INT");
    expect_name(MPI_DOUBLE_INT, "MPI_DOUBLE_INT");
    expect_name(MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG");
    expect_name(MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION");
    MPI_CHECK(MPI_Type_vector(3, 1, 2, MPI_INT, &v));
    expect_name(v, "");
    MPI_CHECK(MPI_Type_set_name(v, "strided ints"));
    expect_name(v, "strided ints");
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    MPI_CHECK(MPI_Type_set_name(v, longname));
    longname[MPI_MAX_OBJECT_NAME - 1] = '\0';
    expect_name(v, longname); /* cut to MPI_MAX_OBJECT_NAME - 1 */
    MPI_CHECK(MPI_Type_set_name(MPI_FLOAT, "float"));
    expect_name(MPI_FLOAT, "float");
    MPI_CHECK(MPI_Type_set_name(MPI_FLOAT, "MPI_FLOAT"));
    MPI_CHECK(MPI_Type_free(&v));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    err = MPI_Type_set_name(v, "freed");
    CHECK_CLASS(err, MPI_ERR_TYPE);
    err = MPI_Type_get_name(MPI_INT, NULL, &err);
    CHECK_CLASS(err, MPI_ERR_ARG);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

static void test_type_attrs(void)
{
    MPI_Datatype t, d;
    int key;

    copies = deletes = 0;
    MPI_CHECK(MPI_Type_create_keyval(copy_plus_one, delete_count, &key, &copies));
    MPI_CHECK(MPI_Type_contiguous(2, MPI_INT, &t));
    expect_attr(t, key, 0, 0);
    MPI_CHECK(MPI_Type_set_attr(t, key, (void *)(MPI_Aint)40));
    expect_attr(t, key, 1, 40);
    MPI_CHECK(MPI_Type_set_attr(t, key, (void *)(MPI_Aint)41)); /* replaces: delete runs */
    CHECKF(deletes == 1 && last_deleted == 40, "replace: %d deletes, last %d", deletes,
           last_deleted);
    MPI_CHECK(MPI_Type_dup(t, &d));
    CHECKF(copies == 1, "%d copies after Type_dup", copies);
    expect_attr(d, key, 1, 42);
    /* d still holds t's object: t's attribute goes when its handle is freed
     * (ours) or with the object (MPICH); after both frees, both went. */
    MPI_CHECK(MPI_Type_free(&t));
    MPI_CHECK(MPI_Type_free_keyval(&key)); /* the attributes keep it callable */
    CHECK(key == MPI_KEYVAL_INVALID);
    MPI_CHECK(MPI_Type_free(&d));
    CHECKF(deletes == 3 && deleted_sum == 40 + 41 + 42, "frees: %d deletes, values sum %d", deletes,
           deleted_sum);

    /* predefined types carry attributes too */
    MPI_CHECK(MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, delete_count, &key, NULL));
    MPI_CHECK(MPI_Type_set_attr(MPI_DOUBLE, key, (void *)(MPI_Aint)7));
    expect_attr(MPI_DOUBLE, key, 1, 7);
    expect_attr(MPI_INT, key, 0, 0);
    MPI_CHECK(MPI_Type_dup(MPI_DOUBLE, &d)); /* NULL_COPY_FN: not copied */
    expect_attr(d, key, 0, 0);
    MPI_CHECK(MPI_Type_free(&d));
    MPI_CHECK(MPI_Type_delete_attr(MPI_DOUBLE, key));
    CHECKF(deletes == 4 && last_deleted == 7, "delete: %d deletes, last %d", deletes, last_deleted);
    expect_attr(MPI_DOUBLE, key, 0, 0);
    MPI_CHECK(MPI_Type_free_keyval(&key));
}

static void test_failing_callbacks(void)
{
    MPI_Comm c, c2 = MPI_COMM_WORLD;
    MPI_Datatype t, t2 = MPI_INT;
    void *v;
    int ck, tk, flag, err;

    MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &c));
    MPI_CHECK(MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_create_keyval(fail_copy, fail_delete, &ck, NULL));
    MPI_CHECK(MPI_Comm_set_attr(c, ck, (void *)(MPI_Aint)1));
    fail_delete_on = 1;
    err = MPI_Comm_set_attr(c, ck, (void *)(MPI_Aint)2);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    err = MPI_Comm_delete_attr(c, ck);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    MPI_CHECK(MPI_Comm_get_attr(c, ck, &v, &flag));
    CHECKF(flag && (MPI_Aint)v == 1, "after failed deletes: flag %d value %ld", flag,
           (long)(MPI_Aint)v);
    err = MPI_Comm_dup(c, &c2);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    CHECK(c2 == MPI_COMM_NULL);
    fail_delete_on = 0;
    MPI_CHECK(MPI_Comm_free(&c));
    MPI_CHECK(MPI_Comm_free_keyval(&ck));

    /* the same through datatypes (callback types differ only in the handle) */
    MPI_CHECK(MPI_Type_create_keyval((MPI_Type_copy_attr_function *)fail_copy,
                                     (MPI_Type_delete_attr_function *)fail_delete, &tk, NULL));
    MPI_CHECK(MPI_Type_dup(MPI_DOUBLE, &t));
    MPI_CHECK(MPI_Type_set_attr(t, tk, (void *)(MPI_Aint)5));
    fail_delete_on = 1;
    err = MPI_Type_set_attr(t, tk, (void *)(MPI_Aint)6);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    err = MPI_Type_delete_attr(t, tk);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    expect_attr(t, tk, 1, 5);
    err = MPI_Type_dup(t, &t2);
    CHECK_CLASS(err, MPI_ERR_OTHER);
    CHECK(t2 == MPI_DATATYPE_NULL);
    fail_delete_on = 0;
    MPI_CHECK(MPI_Type_free(&t));
    MPI_CHECK(MPI_Type_free_keyval(&tk));
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

static void test_keyval_errors(void)
{
    int ck, tk, bad, flag, err, *p;
    MPI_Datatype t;

    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_CHECK(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &ck, NULL));
    MPI_CHECK(MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &tk, NULL));
    MPI_CHECK(MPI_Type_contiguous(1, MPI_INT, &t));
    err = MPI_Type_set_attr(t, ck, NULL); /* a communicator keyval on a type */
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    err = MPI_Comm_set_attr(MPI_COMM_WORLD, tk, NULL); /* and the other way */
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    err = MPI_Type_get_attr(t, MPI_TAG_UB, &p, &flag);
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    bad = ck;
    err = MPI_Type_free_keyval(&bad);
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    bad = 12345;
    err = MPI_Comm_free_keyval(&bad);
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    MPI_CHECK(MPI_Comm_free_keyval(&ck));
    MPI_CHECK(MPI_Type_free_keyval(&tk));
    MPI_CHECK(MPI_Type_free(&t));

    /* predefined keyvals: read, never set nor deleted */
    MPI_CHECK(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &p, &flag));
    CHECKF(flag && *p >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE flag %d value %d", flag,
           flag ? *p : 0);
    MPI_CHECK(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &p, &flag));
    CHECK(flag && *p >= 32767);
    err = MPI_Comm_set_attr(MPI_COMM_WORLD, MPI_TAG_UB, NULL);
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    err = MPI_Comm_delete_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE);
    CHECK_CLASS(err, MPI_ERR_KEYVAL);
    MPI_CHECK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

/* MPI_COMM_SELF's attributes at MPI_Finalize: printed in the order their
 * delete callbacks run; MPI must not be finalized yet. */
static int self_delete(MPI_Comm c, int key, void *val, void *extra)
{
    int fin = 1;

    (void)c;
    (void)key;
    (void)extra;
    MPI_Finalized(&fin);
    if (rank == 0)
        printf("dtype_attrs: self delete %d%s\n", (int)(MPI_Aint)val, fin ? " AFTER FINALIZE" : "");
    return MPI_SUCCESS;
}

static void set_self_attrs(void)
{
    for (int i = 0; i < 5; i++) {
        int key;
        MPI_CHECK(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, self_delete, &key, NULL));
        MPI_CHECK(MPI_Comm_set_attr(MPI_COMM_SELF, key, (void *)(MPI_Aint)i));
        MPI_CHECK(MPI_Comm_free_keyval(&key)); /* the attribute keeps it */
    }
}

static void done(const char *what)
{
    MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    if (rank == 0)
        printf("dtype_attrs: %s OK\n", what);
}

#ifdef MPIX_ANY_SPARE
static void mode_migrate(void)
{
    MPI_Datatype t, d;
    int key, c0, c1;

    copies = deletes = 0;
    MPI_CHECK(MPI_Type_create_keyval(copy_plus_one, delete_count, &key, &copies));
    MPI_CHECK(MPI_Type_vector(4, 1, 3, MPI_DOUBLE, &t));
    MPI_CHECK(MPI_Type_set_name(t, "moving vector"));
    MPI_CHECK(MPI_Type_set_attr(t, key, (void *)(MPI_Aint)(100 + rank)));
    MPI_CHECK(MPI_Type_set_attr(MPI_INT, key, (void *)(MPI_Aint)(200 + rank)));
    MPI_CHECK(MPI_Type_set_name(MPI_INT, "moving int"));
    set_self_attrs();
    MPI_CHECK(MPIX_Cluster_self(&c0));
    MPI_CHECK(MPI_Migrateto(MPIX_ANY_SPARE)); /* every rank at the same moment */
    MPI_CHECK(MPIX_Cluster_self(&c1));
    CHECKF(c0 != c1, "rank %d still on cluster %d", rank, c0);
    expect_name(t, "moving vector");
    expect_name(MPI_INT, "moving int");
    expect_attr(t, key, 1, 100 + rank);
    expect_attr(MPI_INT, key, 1, 200 + rank);
    MPI_CHECK(MPI_Type_dup(t, &d));
    CHECKF(copies == 1, "%d copies after the move", copies);
    expect_attr(d, key, 1, 101 + rank);
    expect_name(d, "");
    MPI_CHECK(MPI_Type_free(&t));
    MPI_CHECK(MPI_Type_free(&d));
    MPI_CHECK(MPI_Type_delete_attr(MPI_INT, key));
    CHECKF(deletes == 3 && last_deleted == 200 + rank, "%d deletes, last %d", deletes,
           last_deleted);
    MPI_CHECK(MPI_Type_free_keyval(&key));
    MPI_CHECK(MPI_Type_set_name(MPI_INT, "MPI_INT"));
    done("names and attributes across a move of every rank");
    if (rank == 0)
        printf("dtype_attrs migrate: OK\n");
}
#endif

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "all";

    MPI_Init(&argc, &argv);
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    if (strcmp(mode, "all") == 0) {
        test_names();
        done("type names");
        test_type_attrs();
        done("datatype attributes through dup and free");
        test_failing_callbacks();
        done("failing copy and delete callbacks");
        test_keyval_errors();
        done("keyval kinds and predefined keyvals");
        set_self_attrs();
        if (rank == 0)
            printf("dtype_attrs: OK\n");
    }
#ifdef MPIX_ANY_SPARE
    else if (strcmp(mode, "migrate") == 0)
        mode_migrate();
#endif
    else
        CHECKF(0, "unknown mode %s", mode);
    fflush(stdout);
    MPI_CHECK(MPI_Finalize());
    return 0;
}
