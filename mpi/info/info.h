/* info.h: MPI_Info objects, ordered (key, value) lists of strings.
 *
 * Info objects live in a table of the root object (mpi_state.h), so they
 * sit in the rank's container and migrate with it; handles follow MPICH's
 * encoding, 0x9c000000 | index. MPI_INFO_ENV is a builtin handle whose
 * object the table builds on first use (info_env.c). MPI allows the Info
 * calls before MPI_Init and after MPI_Finalize, so they reach the root
 * object through mpi_state_early() (mpi_init.c) instead of mpi_enter(), and
 * the table is not released at MPI_Finalize. Keys keep the order of their
 * first MPI_Info_set; setting an existing key replaces its value in place.
 */
#ifndef INFO_H
#define INFO_H

#include <mpi.h>

#pragma GCC visibility push(hidden)

/* Handle encoding (MPICH's): created objects are 0x9c000000 | index. */
#define MPI_INFO_HANDLE_DIRECT ((int)0x9c000000)
#define MPI_INFO_HANDLE_INDEX  0x03ffffff

struct mpi_info_entry {
    char *key;
    char *value;
};

struct mpi_info {
    int n;                        /* keys set */
    int cap;                      /* entries allocated */
    struct mpi_info_entry *items; /* in the order keys were first set */
};

struct mpi_info_table {
    struct mpi_info **slots; /* indexed by handle index, NULL when free */
    int nslots;
    struct mpi_info *env; /* MPI_INFO_ENV's object, built on first use */
};

struct mpi_rank_state;

/* info.c ------------------------------------------------------------------- */

/* The object behind h (MPI_INFO_ENV included), or NULL for MPI_INFO_NULL and
 * handles that are not live. */
struct mpi_info *mpi_info_get(struct mpi_rank_state *s, MPI_Info h);

/* Makes an empty object and returns its handle in *h_p.
 * Returns MPI_SUCCESS or -ENOMEM. */
int mpi_info_new(struct mpi_rank_state *s, MPI_Info *h_p);

/* Makes a copy of src (keys in the same order), its handle in *h_p.
 * Returns MPI_SUCCESS or -ENOMEM. */
int mpi_info_dup(struct mpi_rank_state *s, const struct mpi_info *src, MPI_Info *h_p);

/* Releases live created handle h. */
void mpi_info_free(struct mpi_rank_state *s, MPI_Info h);

/* The value of key in info, or NULL when not set. */
const char *mpi_info_lookup(const struct mpi_info *info, const char *key);

/* Sets key to value (both already checked). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_info_put(struct mpi_info *info, const char *key, const char *value);

/* Removes key. Returns MPI_SUCCESS or MPI_ERR_INFO_NOKEY. */
int mpi_info_remove(struct mpi_info *info, const char *key);

/* Releases an object that has no handle (and its strings). */
void mpi_info_destroy(struct mpi_info *info);

/* Checks a key (MPI_ERR_INFO_KEY: NULL, empty or longer than
 * MPI_MAX_INFO_KEY) and a value (MPI_ERR_INFO_VALUE: NULL or longer than
 * MPI_MAX_INFO_VAL; empty is a value, as MPICH has it). Return MPI_SUCCESS
 * or the class. */
int mpi_info_check_key(const char *key);
int mpi_info_check_value(const char *value);

/* info_env.c --------------------------------------------------------------- */

/* Fills info with what MPI_Info_create_env and MPI_INFO_ENV report: command,
 * argv, maxprocs, wdir, host, arch (argv may be NULL: the process's own
 * command line is used). Returns MPI_SUCCESS or -ENOMEM. */
int mpi_info_fill_env(struct mpi_info *info, int argc, char **argv);

#pragma GCC visibility pop

#endif /* INFO_H */
