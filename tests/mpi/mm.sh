# shellcheck shell=bash
# mm.sh: mpimigrate from the test scripts that drive a job from outside
# (sourced after common.sh; defines one function).
#
# mm STATUS PATTERN ARGS: runs $MM (default tools/mpimigrate) with ARGS,
# output in $TMPD/mm.out (shown); wants exit STATUS and a line matching the
# extended regex PATTERN. An error must be one line, unless the call is
# prefixed MM_LINES=any (a message that lists jobs or clusters).
mm() {
    local want=$1 pat=$2 st
    shift 2
    echo "+ mpimigrate $*"
    timeout 90 "${MM:-$top_builddir/tools/mpimigrate}" "$@" >"$TMPD/mm.out" 2>&1
    st=$?
    cat "$TMPD/mm.out"
    [ "$st" -eq "$want" ] || fail "mpimigrate $*: exit status $st, want $want"
    grep -Eq "$pat" "$TMPD/mm.out" || fail "mpimigrate $*: no line matching '$pat'"
    if [ "$st" -ne 0 ] && [ "${MM_LINES:-one}" != any ]; then
        [ "$(wc -l <"$TMPD/mm.out")" -eq 1 ] || fail "mpimigrate $*: message is not one line"
    fi
}
