# shellcheck shell=bash
# jobs.sh: running test jobs on the emulated hosts of hosts.sh, for the
# tests/hosts/*.sh scripts (sourced after tests/mpi/common.sh and hosts.sh;
# defines functions only).
#
#   on_hosts HOSTS NP [mpiexec options] -- PROGRAM [ARGS]
#                    runs a program of tests/mpi with mpiexec on h0 and
#                    -hosts HOSTS, through Hydra's ssh launcher path; output
#                    in $OUT (shown without the placement lines)
#   expect_on ... LINE   on_hosts, exit 0, a line starting with LINE,
#                    nothing left on the hosts
#   no_leftovers     fails if a process is on any host (waits 5 s for them
#                    to end) or then a file is in any host's /dev/shm
#   count_moves HOSTOF...  "IN BETWEEN": the moves of the last job
#                    (NMPI_MIGRATION_REPORT lines) inside a host and between
#                    hosts, given the host of each cluster
#   moves_of RANK    the clusters rank RANK moved to, in order, one a line

# on_hosts HOSTS NP [mpiexec options] -- PROGRAM [ARGS]: runs PROGRAM from
# tests/mpi on the hosts of -hosts HOSTS, mpiexec on h0; output in $OUT.
on_hosts() {
    local hosts=$1 np=$2 opts=() prog status
    shift 2
    while [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    prog=$BINDIR/$1
    shift
    echo "+ mpiexec -hosts $hosts -n $np ${opts[*]} ${prog##*/} $*"
    hosts_run 0 timeout -k 10 "$TIMEOUT" "$MPIEXEC" -hosts "$hosts" -launcher ssh \
        -launcher-exec "$HOSTS_EXEC" -n "$np" "${opts[@]}" "$prog" "$@" >"$OUT" 2>&1
    status=$?
    grep -v '^nanvix-mpi: port: \(host\|fabric\):' "$OUT"
    [ $status -ne 124 ] || echo "TIMEOUT: killed after $TIMEOUT s"
    return $status
}

# Nothing of the last job is left on the hosts: files in /dev/shm, processes
# (mpiexec's watcher ends within a second of the job).
no_leftovers() {
    local ns procs i
    # Processes first: mpiexec's watcher sweeps what a killed cluster left in
    # /dev/shm once the job is gone, then ends.
    for i in $(seq 50); do
        procs=
        for ((k = 0; k < HOSTS_N; k++)); do procs="$procs$(hosts_ns_pids "$HOSTS_PREFIX-h$k")"; done
        [ -z "$procs" ] && break
        sleep 0.1
    done
    [ -z "$procs" ] || fail "processes left on the hosts: $(ps -o pid,args -p "$(echo $procs | tr ' ' ,)")"
    [ -z "$(hosts_shm_files)" ] || fail "left in /dev/shm: $(hosts_shm_files | tr '\n' ' ')"
}

# expect_on HOSTS NP [opts] -- PROGRAM [ARGS] LINE: on_hosts, exit 0, an
# output line starting with LINE, nothing left behind.
expect_on() {
    local line=${!#}
    set -- "${@:1:$#-1}"
    on_hosts "$@" || fail "exit status $? (want 0)"
    grep -q "^$line" "$OUT" || fail "no output line starting with '$line'"
    no_leftovers
}

# Counts the moves of the last job (NMPI_MIGRATION_REPORT lines) inside a
# host and between hosts, given the host of each cluster: prints "IN BETWEEN".
count_moves() {
    local hostof=("$@")
    sed -n 's/^nanvix-mpi: rmig: rank [0-9]* moved cluster \([0-9]*\) -> \([0-9]*\):.*/\1 \2/p' "$OUT" |
        while read -r a b; do [ "${hostof[a]}" = "${hostof[b]}" ] && echo in || echo between; done |
        sort | uniq -c | awk '{n[$2] = $1} END {print n["in"] + 0, n["between"] + 0}'
}

# The clusters rank $1 moved to in the last job (report lines), in order.
moves_of() {
    sed -n "s/^nanvix-mpi: rmig: rank $1 moved cluster [0-9]* -> \([0-9]*\):.*/\1/p" "$OUT"
}
