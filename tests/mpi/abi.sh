#!/bin/bash
# abi.sh: one binary, two libraries. abi_version.c is compiled by MPICH's own
# mpicc (not ours), then run on our library (LD_LIBRARY_PATH = our .libs,
# through our mpiexec): MPI_Get_library_version must say "nanvix-mpi"; then
# the same binary runs on MPICH's library under plain mpiexec.hydra and must
# say MPICH.
. "$(dirname "$0")/common.sh"
command -v "$MPICC_MPICH" >/dev/null || fail "$MPICC_MPICH not found: install libmpich-dev"
build_dir
bin=$BUILDD/abi_version
"$MPICC_MPICH" -o "$bin" "$top_srcdir/tests/mpi/abi_version.c" || fail "$MPICC_MPICH failed"

if ours; then
    libs=$top_builddir/.libs
    for lib in libmpi.so.12 libmpich.so.12; do
        [ -e "$libs/$lib" ] || fail "$libs/$lib missing: the build must provide it"
    done
    # Only the MPI interface (with the MPII_ names MPICH's Fortran bindings
    # call, and the Fortran bindings of our extensions: mpi_migrateto_...)
    # and the interposed libc entry points are exported; internal names of
    # the layers below must stay local.
    if command -v nm >/dev/null; then
        leaked=$(nm -D --defined-only "$libs/libmpi.so.12" | awk '{print $3}' |
            grep -Ev '^(P?MPIX?_|MPIR_|MPII_|mpix?_[a-z_]+_$|__libc_start_main$|pthread_create$|(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|malloc_usable_size)$)')
        [ -z "$leaked" ] || fail "libmpi.so.12 exports internal symbols: $(echo $leaked | head -c 300)"
        nm -D --defined-only "$libs/libmpi.so.12" | grep -Eq ' [TW] MPI_Migrateto$' ||
            fail "libmpi.so.12 does not export MPI_Migrateto"
    fi
    LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run_mpi 2 -- "$bin" ||
        fail "on nanvix-mpi: exit status $?"
    grep -q '^nanvix-mpi' "$OUT" || fail "on nanvix-mpi: version does not start with nanvix-mpi"
    grep -q '^abi_version: OK' "$OUT" || fail "on nanvix-mpi: no 'abi_version: OK' line"
fi

echo "+ $HYDRA -n 2 $bin   (MPICH's library)"
env -u LD_LIBRARY_PATH timeout -k 10 "$TIMEOUT" "$HYDRA" -n 2 "$bin" </dev/null >"$OUT" 2>&1 ||
    { cat "$OUT"; fail "on MPICH: exit status $?"; }
cat "$OUT"
grep -q '^MPICH' "$OUT" || fail "on MPICH: version does not say MPICH"
grep -q '^abi_version: OK' "$OUT" || fail "on MPICH: no 'abi_version: OK' line"
