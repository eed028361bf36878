#!/bin/bash
# launcher.sh: tools/mpiexec's option handling and error messages. Runs
# plain programs (sh, echo), not MPI programs, so it tests the launcher
# alone: what it passes to Hydra, and that bad input fails fast and clearly.
. "$(dirname "$0")/common.sh"
ours || skip "tests nanvix-mpi's mpiexec"
mpiexec=$top_builddir/tools/mpiexec

# try EXPECTED_STATUS PATTERN CMD...: run CMD (30 s at most), require its exit
# status (0, or "nonzero") and PATTERN (grep -E) in its output.
try() {
    local want=$1 pattern=$2 status
    shift 2
    echo "+ $*"
    timeout -k 5 30 "$@" </dev/null >"$OUT" 2>&1
    status=$?
    # Hydra's mpiexec itself dies of SIGPIPE now and then on a loaded
    # machine when every process exits at once (seen in a CI rehearsal with
    # three /bin/sh; nothing of ours runs in them): asked again, once.
    if [ $status -eq 141 ]; then
        echo "  (mpiexec.hydra died of SIGPIPE: once more)"
        timeout -k 5 30 "$@" </dev/null >"$OUT" 2>&1
        status=$?
    fi
    sed 's/^/  | /' "$OUT"
    [ $status -ne 124 ] || fail "'$*' hung"
    if [ "$want" = nonzero ]; then
        [ $status -ne 0 ] || fail "'$*' exited 0, want an error"
    else
        [ $status -eq "$want" ] || fail "'$*' exited $status, want $want"
    fi
    grep -Eq -- "$pattern" "$OUT" || fail "'$*': output does not match '$pattern'"
}

try 0 '--spares' "$mpiexec" --help
try nonzero 'missing -n' "$mpiexec" /bin/true
try nonzero 'missing -n' "$mpiexec" -genv A b /bin/true
try nonzero 'positive number' "$mpiexec" -n 0 /bin/true
try nonzero 'positive number' "$mpiexec" -n two /bin/true
try nonzero 'spares wants a number' "$mpiexec" -n 2 --spares x /bin/true
# Counts are bounded by the most clusters a job may have (KNODE_MAX), and
# checked as text first: no shell arithmetic on them can overflow.
max=$(sed -n 's/^#define KNODE_MAX *\([0-9]*\).*/\1/p' "$top_srcdir/nanvix-port/nanvix.h")
[ -n "$max" ] || fail "no KNODE_MAX in nanvix-port/nanvix.h"
try nonzero "at most $max clusters" "$mpiexec" -n 2 --spares 99999999999999999999 /bin/true
try nonzero "at most $max clusters" "$mpiexec" -n 99999999999999999999 /bin/true
try nonzero "at most $max clusters" "$mpiexec" -n 10000 /bin/true
try nonzero "at most $max clusters" "$mpiexec" -n $((max - 1)) --spares 2 /bin/true
try nonzero "at most $max clusters" "$mpiexec" -n 1 --spares 0000000000000000000000000000099999 /bin/true
NMPI_MPIEXEC_SHOW=1 try 0 "-n $max " "$mpiexec" -n $((max - 2)) --spares 00002 /bin/true
try nonzero 'no program' "$mpiexec" -n 2
try nonzero "program '/nonexistent/prog' not found" "$mpiexec" -n 2 /nonexistent/prog
try nonzero "program 'no-such-program-xyz' not found" "$mpiexec" -n 2 no-such-program-xyz
try nonzero 'not supported' "$mpiexec" -n 1 /bin/true : -n 1 /bin/true
try nonzero 'mpiexec.hydra not found: install the Debian package mpich' \
    env NMPI_HYDRA=/nonexistent/mpiexec.hydra PATH=/nonexistent "$mpiexec" -n 1 /bin/true
# Without the program check, Hydra reports the missing program (no hang).
# Its proxy forwards the failed exec's message from a pipe it may close
# first on a loaded machine (seen once in a CI run: no output, status
# 255), so an empty answer is asked again, twice at most; every try must
# fail, and one must say why.
for i in 1 2 3; do
    NMPI_NO_PROGRAM_CHECK=1 try nonzero '' "$mpiexec" -n 2 /nonexistent/prog
    [ -s "$OUT" ] && break
done
grep -q 'execvp error on file /nonexistent/prog' "$OUT" || fail "Hydra never said the program is missing"

# What reaches the processes: -n N --spares K starts N+K, with our variables
# and user -genv; the canary is 16 hex digits, the same in every process.
show='echo "env $NMPI_NRANKS $NMPI_SPARES $NMPI_JOB_CANARY $FOO"'
try 0 '^env 2 0 [0-9a-f]{16} bar$' "$mpiexec" -n 2 -genv FOO bar /bin/sh -c "$show"
[ "$(grep -c '^env 2 0' "$OUT")" -eq 2 ] || fail "want 2 processes"
try 0 '^env 1 2 [0-9a-f]{16} baz$' "$mpiexec" -np 1 --spares 2 -genv FOO baz /bin/sh -c "$show"
[ "$(grep -c '^env 1 2' "$OUT")" -eq 3 ] || fail "want 3 processes (1 rank + 2 spares)"
[ "$(awk '{print $4}' "$OUT" | sort -u | wc -l)" -eq 1 ] || fail "canary differs between processes"
try 0 '^\[2\] env 2 1 ' "$mpiexec" --spares=1 -n=2 -prepend-rank /bin/sh -c "$show"
# Arguments after the program are the program's, even if they look like ours.
try 0 '^-n\|5\|--spares\|1\|$' "$mpiexec" -n 1 printf '%s|' -n 5 --spares 1
# Hydra options with values are skipped over when looking for the program.
try 0 '^hello$' "$mpiexec" -n 1 -env X y -wdir /tmp -ppn 1 -hosts localhost /bin/echo hello
# The job canary is a secret (every rank's stack-protector canary, and the
# token that says "this job only"): it reaches the processes through their
# environment, never a command line that any local user can read with ps.
NMPI_MPIEXEC_SHOW=1 try 0 'mpiexec.hydra' "$mpiexec" -n 2 /bin/true
! grep -q 'NMPI_JOB_CANARY' "$OUT" || fail "the canary is on Hydra's command line"
scan='printf %s "$NMPI_JOB_CANARY" > "$0.$$"; n=0
for f in /proc/[0-9]*/cmdline; do
    { tr "\000" " " < "$f"; } 2>/dev/null | grep -qFf "$0.$$" && { echo "LEAK $f"; n=$((n + 1)); }
done
rm -f "$0.$$"; echo "scanned: $n leaks"'
try 0 '^scanned: 0 leaks$' "$mpiexec" -n 2 --spares 1 /bin/sh -c "$scan" "$TMPD/canary"
! grep -q '^LEAK' "$OUT" || fail "the job canary is on a command line"
[ "$(grep -c '^scanned: 0 leaks$' "$OUT")" -eq 3 ] || fail "want 3 processes scanned"

# LD_LIBRARY_PATH is handed on explicitly.
LD_LIBRARY_PATH=/opt/nmpi-test NMPI_MPIEXEC_SHOW=1 \
    try 0 '-genv LD_LIBRARY_PATH /opt/nmpi-test' "$mpiexec" -n 2 /bin/true
# Inside a Slurm allocation (SLURM_JOB_ID set) -n defaults to its task
# slots, SLURM_TASKS_PER_NODE summed as Hydra does; -n given wins; outside an
# allocation or with a list it cannot read, -n stays required.
SLURM_JOB_ID=7 SLURM_TASKS_PER_NODE='2(x3),1' NMPI_MPIEXEC_SHOW=1 \
    try 0 ' -n 9 -genv NMPI_NRANKS 7 -genv NMPI_SPARES 2 ' "$mpiexec" --spares 2 /bin/true
SLURM_JOB_ID=7 SLURM_TASKS_PER_NODE=3 NMPI_MPIEXEC_SHOW=1 \
    try 0 ' -n 1 -genv NMPI_NRANKS 1 -genv NMPI_SPARES 0 ' "$mpiexec" -n 1 /bin/true
(unset SLURM_JOB_ID SLURM_JOBID && SLURM_TASKS_PER_NODE=3 try nonzero 'missing -n' "$mpiexec" /bin/true)
SLURM_JOB_ID=7 SLURM_TASKS_PER_NODE='2(x)' try nonzero 'missing -n' "$mpiexec" /bin/true
SLURM_JOB_ID=7 SLURM_TASKS_PER_NODE='4096,1' try nonzero "at most $max clusters" "$mpiexec" /bin/true
echo "launcher: OK"
