# shellcheck shell=bash
# mm.sh: mpimigrate on the emulated hosts, for the tests/hosts/*.sh
# scripts that drive a job from outside (sourced after tests/mpi/common.sh
# and hosts.sh).
#
#   mm_hosts_up N    the setting those tests share (the job directory on
#                    h0 only, where mpimigrate runs), then N hosts up
#   mm STATUS ARGS   mpimigrate ARGS on h0, output in $TMPD/mm.out (shown);
#                    wants exit STATUS
#   has PATTERN      a line of the last mpimigrate output matches PATTERN
#   mm_has STATUS PATTERN ARGS   mm, then has

mm_hosts_up() {
    unset FI_PROVIDER
    export NMPI_MIGRATE_TIMEOUT=20
    export LD_LIBRARY_PATH=$top_builddir/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export NMPI_RUN_DIR=$TMPD/run
    export NMPI_HOSTS_H0_ONLY=$NMPI_RUN_DIR
    MM=$top_builddir/tools/mpimigrate
    mkdir -p "$NMPI_RUN_DIR"
    hosts_up "$1" || fail "cannot make the emulated hosts"
}

mm() {
    local want=$1 st
    shift
    echo "+ (h0) mpimigrate $*"
    hosts_run 0 timeout 120 "$MM" "$@" >"$TMPD/mm.out" 2>&1
    st=$?
    cat "$TMPD/mm.out"
    [ "$st" -eq "$want" ] || fail "mpimigrate $*: exit status $st, want $want"
}

has() {
    grep -Eq "$1" "$TMPD/mm.out" || fail "no line matching '$1'"
}

mm_has() {
    local want=$1 pat=$2
    shift 2
    mm "$want" "$@"
    grep -Eq "$pat" "$TMPD/mm.out" || fail "mpimigrate $*: no line matching '$pat'"
}
