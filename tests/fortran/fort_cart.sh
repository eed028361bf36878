#!/bin/bash
# fort_cart.sh: fort_migrate.F90 in MODE cart on 4 ranks: everything of MODE
# basic plus a 2-D periodic Cartesian halo exchange (MPI_Dims_create,
# MPI_Cart_create, MPI_Cart_coords, MPI_Cart_shift, MPI_Cart_rank) each
# round, while the program moves its ranks (one, then two at the same
# moment, then one asked by rank 0), every value checked bit for bit.
# Expected to fail (XFAIL_TESTS) until the topology calls are in the
# library: without MPI_Cart_create the Fortran binding's call cannot bind.
. "$(dirname "$0")/fort_common.sh"
ours || skip "migration is a nanvix-mpi extension"
need_fortran
export NMPI_MIGRATE_TIMEOUT=10
build_dir
fort_build fort_cart "$top_srcdir/tests/fortran/fort_migrate.F90"
expect_ok 4 --spares 2 -- "$BUILDD/fort_cart" cart 6 " fort_migrate: OK 6 rounds 4 ranks 4 moves"
echo "fort_cart: OK"
