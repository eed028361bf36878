#!/bin/bash
# fort_symbols.sh: every symbol that MPICH's Fortran bindings
# (libmpichfort.so.12) import from libmpich.so.12 is defined by our
# libmpi.so, and every data object among them has MPICH's size, so a new
# MPICH upload that needs more cannot break Fortran programs silently.
#
# The imports are read from the installed libmpichfort (nm -D
# --undefined-only, less what libc and libgfortran provide: versioned names
# and the toolchain's weak hooks); ours from the build tree's libmpi.so. Each
# missing name is printed with the family it belongs to, so the list says
# whose work it is; any missing name fails the test.
. "$(dirname "$0")/fort_common.sh"
ours || skip "checks nanvix-mpi's library"
command -v nm >/dev/null && command -v readelf >/dev/null || skip "no nm/readelf (binutils)"
fortlib=
for d in $("$MPIFORT_MPICH" -show 2>/dev/null | grep -o -- '-L[^ ]*' | sed 's/^-L//') \
    /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/libmpichfort.so.12" ] && { fortlib=$d/libmpichfort.so.12; break; }
done
[ -n "$fortlib" ] || skip "libmpichfort.so.12 not found: install the Debian package libmpich-dev"
mpichlib=$(dirname "$fortlib")/libmpich.so.12
ourlib=$top_builddir/.libs/libmpi.so.12
[ -e "$ourlib" ] || fail "$ourlib not built"
unsup=$top_srcdir/mpi/unsup/unsup.list

nm -D --undefined-only "$fortlib" | awk '{print $NF}' | grep -v '@' |
    grep -v -E '^(_ITM_deregisterTMCloneTable|_ITM_registerTMCloneTable|__gmon_start__)$' |
    sort -u >"$TMPD/imports"
nm -D --defined-only "$ourlib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$TMPD/ours"
comm -23 "$TMPD/imports" "$TMPD/ours" >"$TMPD/missing"
echo "$fortlib imports $(wc -l <"$TMPD/imports") symbols; libmpi.so lacks $(wc -l <"$TMPD/missing")"

# family NAME: whose family a missing name belongs to.
family() {
    local n=${1#P}
    if grep -qx -- "$n" "$unsup"; then
        echo "unsupported family (mpi/unsup/unsup.list): the generated file is not built?"
        return
    fi
    case "$n" in
    MPI_Type_* | MPI_Pack_external* | MPI_Unpack_external* | MPI_Address | MPI_Get_address | \
        MPI_Aint_*) echo "datatypes" ;;
    MPI_Cart* | MPI_Graph* | MPI_Dist_graph* | MPI_Neighbor_* | MPI_Ineighbor_* | \
        MPI_Topo_test | MPI_Dims_create) echo "topologies" ;;
    MPI_Win_* | MPI_Put* | MPI_Get | MPI_Get_c | MPI_Get_accumulate* | MPI_Rput* | MPI_Rget* | \
        MPI_Accumulate* | MPI_Raccumulate* | MPI_Fetch_and_op | MPI_Compare_and_swap) echo "RMA" ;;
    MPI_Intercomm_* | MPI_Comm_remote_* | MPI_Comm_test_inter) echo "intercommunicators" ;;
    MPI_I[a-z]*_c | MPI_Iallgather* | MPI_Iallreduce* | MPI_Ialltoall* | MPI_Ibarrier | \
        MPI_Ibcast* | MPI_Iexscan* | MPI_Igather* | MPI_Ireduce* | MPI_Iscan* | \
        MPI_Iscatter* | MPI_*_init | MPI_*_init_c) echo "nonblocking/persistent collectives" ;;
    MPI_Info_* | MPI_Mprobe | MPI_Improbe | MPI_Mrecv* | MPI_Imrecv* | MPI_Comm_idup* | \
        MPI_Comm_dup_with_info | MPI_Comm_create_group | MPI_Comm_set_info | \
        MPI_Comm_get_info | MPI_Isendrecv* | MPI_Grequest_* | MPI_Add_error_* | \
        MPI_Alloc_mem | MPI_Free_mem | MPI_Errhandler_* | MPI_Status_set_* | MPI_Ibsend | \
        MPI_Request_get_status | MPIX_Delete_error_*)
        echo "communicator/info/matched-probe/misc calls" ;;
    MPII_* | MPI_F_* | MPI_F08_* | MPI_UNWEIGHTED | MPI_WEIGHTS_EMPTY | MPI_Status_*)
        echo "Fortran support (mpi/fort/)" ;;
    *) echo "no family: add it to mpi/unsup/unsup.list or implement it" ;;
    esac
}
while read -r name; do
    echo "missing: $name ($(family "$name"))"
done <"$TMPD/missing"

# Data objects: same size as MPICH's (the bindings read and write them).
bad=0
if [ -e "$mpichlib" ]; then
    readelf -W --dyn-syms "$mpichlib" | awk '$4 == "OBJECT" && $7 != "UND" {print $8, $3}' |
        sed 's/@[^ ]*//' | sort -u >"$TMPD/mpich_objs"
    readelf -W --dyn-syms "$ourlib" | awk '$4 == "OBJECT" && $7 != "UND" {print $8, $3}' |
        sed 's/@[^ ]*//' | sort -u >"$TMPD/our_objs"
    while read -r name; do
        want=$(awk -v n="$name" '$1 == n {print $2}' "$TMPD/mpich_objs")
        [ -n "$want" ] || continue
        got=$(awk -v n="$name" '$1 == n {print $2}' "$TMPD/our_objs")
        echo "object $name: MPICH's size $want, ours ${got:-not an object}"
        [ "$got" = "$want" ] || bad=1
    done <"$TMPD/imports"
fi
[ $bad = 0 ] || fail "a data object differs from MPICH's"
n=$(wc -l <"$TMPD/missing")
[ "$n" -eq 0 ] || fail "$n symbols imported by $fortlib are not defined by libmpi.so"
echo "fort_symbols: OK"
