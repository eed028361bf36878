#!/bin/bash
# slurm.sh: a migrating job inside a real Slurm allocation (issue 13, item 7).
#
# Starts a private single-node Slurm of its own (munged, slurmctld, slurmd
# from Debian's munge and slurm-wlm, all under a temporary directory, on
# free ports), then runs three migrating jobs through our tools/mpiexec in
# allocations: `salloc ... mpiexec -n 3 --spares 2 migrate pairs 8`, an
# `sbatch --wait` script running `mpiexec --spares 4 migrate dual 6` (no -n:
# the allocation's 4 task slots), and a salloc'ed mpimigrate_job whose ranks
# mpimigrate moves from outside the allocation. Hydra is told nothing about
# Slurm: its slurm resource manager must find the allocation by itself and
# start its proxies with srun, which the ranks show (every process prints
# the job and step Slurm gave it before it execs the program; only a
# process started by srun has a step id). The jobs' output is checked bit
# for bit: the program's verdict, one line per process, and the exact
# number of moves each rank reported. About 10 s on an idle 2-core machine.
#
# Needs root (slurmd starts jobs as their user, munged runs as user munge)
# and the Debian packages slurm-wlm (slurmctld, slurmd, slurm-client) and
# munge (scripts/setup.sh installs them); without them it is skipped (77),
# unless NMPI_SLURM_REQUIRED=1, which turns the skip into a failure (for CI,
# where they are installed). Everything it starts is stopped on exit,
# however the script ends (EXIT/INT/TERM), and the script fails if any
# process that used its directory survives.
. "$(dirname "$0")/../mpi/common.sh"

skip_or_fail() {
    [ "${NMPI_SLURM_REQUIRED:-0}" != 1 ] || fail "$* (NMPI_SLURM_REQUIRED=1)"
    skip "$*"
}

ours || skip "runs nanvix-mpi's mpiexec under Slurm"
# The daemons are in sbin, which a root shell's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin
[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root: munged runs as user munge, slurmd as root"
for cmd in munged munge unmunge slurmctld slurmd salloc sbatch srun sinfo squeue scancel setpriv; do
    command -v "$cmd" >/dev/null 2>&1 ||
        skip_or_fail "$cmd not found: install the Debian packages slurm-wlm and munge (scripts/setup.sh)"
done
id munge >/dev/null 2>&1 || skip_or_fail "no user munge: install the Debian package munge"
for prog in "$BINDIR/migrate" "$BINDIR/mpimigrate_job" "$top_builddir/tools/mpimigrate"; do
    [ -x "$prog" ] || fail "$prog not built (make check builds it)"
done

# A job started from inside another Slurm job (CI under Slurm) must not
# see that job: only our own configuration counts.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(SLURM_|SALLOC_|SBATCH_|SRUN_)')
# Hydra must choose its launcher and resource manager itself.
unset HYDRA_LAUNCHER HYDRA_RMK HYDRA_BOOTSTRAP HYDRA_HOST_FILE

start=$(date +%s.%N)
# elapsed: seconds since $1 (date +%s.%N), to a tenth.
elapsed() {
    awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# The private Slurm lives in T: 0711, so that user munge can reach its own
# subdirectories (munged wants its socket directory searchable by all) but
# nobody can list the rest.
T=$(mktemp -d "${TMPDIR:-/tmp}/nmpi-slurm.XXXXXX") || fail "cannot make a temporary directory"
chmod 711 "$T"
mkdir -p "$T/log" "$T/state" "$T/spool" "$T/run" "$T/work" || fail "cannot fill $T"
export SLURM_CONF=$T/slurm.conf
started_pids=()

# True when process $1 exists and is not a zombie.
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# True when one of the processes $@ is alive.
any_alive() {
    local p
    for p in "$@"; do
        alive "$p" && return 0
    done
    return 1
}

# users_of DIR: prints the pids of live processes that use DIR (a directory
# in $T): their current directory, an open file or their command line (one
# find and one grep over /proc, not a command per file: a loaded machine has
# thousands of them). Never this shell.
users_of() {
    local p
    {
        find /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 -lname "$1/*" 2>/dev/null
        grep -lasF -- "$1/" /proc/[0-9]*/cmdline 2>/dev/null
    } | cut -d/ -f3 | sort -un | while read -r p; do
        [ "$p" != $$ ] && alive "$p" && echo "$p"
    done
}

# kill_users_of DIR: SIGKILL to every live process that uses DIR except the
# daemons this script started, until none is left (3 tries).
kill_users_of() {
    local p i victims
    for ((i = 0; i < 3; i++)); do
        victims=()
        for p in $(users_of "$1"); do
            [[ " ${started_pids[*]} " == *" $p "* ]] || victims+=("$p")
        done
        [ ${#victims[@]} -gt 0 ] || return 0
        kill -KILL "${victims[@]}" 2>/dev/null
        sleep 0.2
    done
}

# stop_pids PID...: SIGTERM, and SIGKILL to those still alive after 5 s.
stop_pids() {
    local p i
    [ $# -gt 0 ] || return 0
    kill -TERM "$@" 2>/dev/null
    for ((i = 0; i < 50; i++)); do
        any_alive "$@" || return 0
        sleep 0.1
    done
    for p in "$@"; do
        alive "$p" && kill -KILL "$p" 2>/dev/null
    done
}

# stop_all: kills what runs of the jobs (salloc, sbatch, srun, mpiexec, the
# ranks: all run in $T/work; not the daemons' helpers such as slurmscriptd,
# without which slurmctld does not stop), cancels the jobs and waits up to
# 5 s for the queue to empty (a step stays "completing" while its srun
# lives and does not answer), stops the daemons this script started (SIGTERM,
# SIGKILL after 5 s), kills what they leave (a slurmstepd may outlive slurmd
# while it retries a message), removes $T. Safe to call twice.
stop_all() {
    local i
    [ -n "${T:-}" ] && [ -d "$T" ] || return 0
    kill_users_of "$T/work"
    if alive "${started_pids[1]:-0}"; then
        timeout -k 1 5 scancel --quiet --partition=nmpi 2>/dev/null
        for ((i = 0; i < 50; i++)); do
            [ -z "$(timeout -k 1 2 squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
    # slurmd and slurmctld, then munged (they talk through it while they stop).
    stop_pids "${started_pids[@]:1}"
    stop_pids "${started_pids[@]:0:1}"
    kill_users_of "$T"
    rm -rf "$T"
}

cleanup() {
    stop_all
    rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'echo "slurm.sh: interrupted"; exit 1' INT TERM

# show_logs: the end of every daemon's log, for a failure.
show_logs() {
    local f
    for f in "$T"/log/*; do
        [ -s "$f" ] || continue
        echo "---- ${f##*/} (last 30 lines)"
        tail -n 30 "$f"
    done
}

die() {
    show_logs
    fail "$*"
}

# Two free TCP ports below the ephemeral range (where no outgoing connection
# can take them between this choice and the daemons' bind).
pick_ports() {
    local low used n=0 p tries=0
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    [ "${low:-0}" -gt 20000 ] || low=32768
    # Ports in use: column 2 of /proc/net/tcp{,6} is address:port in hex.
    used=$(awk 'FNR > 1 && split($2, a, ":") == 2 { print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
        while read -r p; do echo $((16#$p)); done | sort -un)
    ports=()
    while [ $n -lt 2 ] && [ $tries -lt 1000 ]; do
        tries=$((tries + 1))
        p=$((10000 + RANDOM % (low - 10000)))
        grep -qx "$p" <<<"$used" && continue
        [ "${ports[0]:-}" != "$p" ] || continue
        ports+=("$p")
        n=$((n + 1))
    done
    [ $n -eq 2 ] || fail "no two free TCP ports found"
}

# ---- munged: its own key, socket, pid and log, running as user munge.
# The key is made here from /dev/urandom straight into a file that only
# munge can read (never on a command line or in the environment).
mkdir -m 700 "$T/munge-key" && mkdir -m 755 "$T/munge" || fail "cannot make munge's directories"
(umask 277 && head -c 1024 /dev/urandom >"$T/munge-key/munge.key") || fail "cannot write the munge key"
chown -R munge: "$T/munge-key" "$T/munge" && chmod 400 "$T/munge-key/munge.key" ||
    fail "cannot give the munge key to user munge"
msock=$T/munge/munge.socket
setpriv --reuid=munge --regid=munge --init-groups \
    munged --foreground --key-file="$T/munge-key/munge.key" --socket="$msock" \
    --pid-file="$T/munge/munged.pid" --seed-file="$T/munge-key/munged.seed" \
    </dev/null >>"$T/log/munged.log" 2>&1 &
started_pids+=($!)
for ((i = 0; i < 100; i++)); do
    timeout 5 munge --socket="$msock" --no-input 2>/dev/null |
        timeout 5 unmunge --socket="$msock" >/dev/null 2>&1 && break
    alive "${started_pids[0]}" || die "munged exited"
    sleep 0.1
done
[ $i -lt 100 ] || die "munged does not answer on $msock after 10 s"
echo "munged up ($(elapsed "$start") s)"

# ---- slurm.conf: this host as controller and only node, the CPUs slurmd
# finds, task/none and proctrack/linuxproc (no cgroups to set up).
host=$(hostname -s) || fail "no hostname"
hw=$(timeout 20 slurmd -C 2>/dev/null | head -n 1)
# The layout slurmd reports, without RealMemory (a node that registers with
# less memory than configured is drained); if slurmd -C cannot tell, the
# CPUs this process may use.
layout=$(grep -oE '(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' <<<"$hw" | tr '\n' ' ')
[[ "$layout" == *CPUs=* ]] || layout="CPUs=$(nproc) "
pick_ports
: >"$T/plugstack.conf"
cat >"$SLURM_CONF" <<EOF
# Written by tests/slurm/slurm.sh for one test run.
ClusterName=nmpitest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$msock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$T/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
KillWait=2
# sbatch --wait polls the job every 2 s, then 8, then 32, unless the records
# of ended jobs go sooner than twice that: with 4 s it keeps polling every
# 2 s (a job of 3 s is seen done after 4, not 10; of 11 s, after 12, not 42).
MinJobAge=4
NodeName=$host NodeAddr=127.0.0.1 ${layout}State=UNKNOWN
PartitionName=nmpi Nodes=$host Default=YES MaxTime=5 State=UP
EOF
echo "slurm.conf: controller $host:${ports[0]}, slurmd port ${ports[1]}, ${layout% }"

# ---- slurmctld and slurmd in the foreground (-D), so that their pids are
# ours; their current directory is $T/run (how stop_all finds what they
# leave, e.g. a slurmstepd).
(cd "$T/run" && exec slurmctld -D -f "$SLURM_CONF") </dev/null >>"$T/log/slurmctld.out" 2>&1 &
started_pids+=($!)
(cd "$T/run" && exec slurmd -D -N "$host" -f "$SLURM_CONF") </dev/null >>"$T/log/slurmd.out" 2>&1 &
started_pids+=($!)
state=
for ((i = 0; i < 300; i++)); do
    state=$(timeout 5 sinfo -h -n "$host" -o %t 2>/dev/null)
    [ "$state" = idle ] && break
    alive "${started_pids[1]}" || die "slurmctld exited"
    alive "${started_pids[2]}" || die "slurmd exited"
    sleep 0.1
done
[ "$state" = idle ] || die "node $host not idle after 30 s (state '${state:-none}')"
echo "slurm up, node $host idle ($(elapsed "$start") s)"

# The program the jobs run: prints what the process got from Slurm, then
# becomes the test program (same pid, so the rank is the program's).
showenv=$T/work/showenv
cat >"$showenv" <<'EOF'
#!/bin/sh
echo "slurm-env rank=${PMI_RANK:-none} uid=$(id -u) job=${SLURM_JOB_ID:-none} step=${SLURM_STEP_ID:-none} node=${SLURMD_NODENAME:-none}"
exec "$@"
EOF
chmod 755 "$showenv"

# The jobs run as an ordinary user, as on a real cluster: nobody, when it
# can run the test programs (a build tree in a private home directory is out
# of its reach: then root, and the log says so). The user's jobs work in
# udir, which it owns, with their job directory (for mpimigrate) there;
# "${as_user[@]}" CMD runs CMD as that user with that environment.
udir=$T/work/user
mkdir -m 755 "$udir" || fail "cannot make $udir"
juid=$(id -u nobody 2>/dev/null) && jgid=$(id -g nobody 2>/dev/null) || juid=
if [ -n "$juid" ]; then
    user_cmd=(setpriv --reuid="$juid" --regid="$jgid" --clear-groups)
    # The loader resolves every library the program needs, as that user.
    if ! libs=$("${user_cmd[@]}" env LD_TRACE_LOADED_OBJECTS=1 "$BINDIR/migrate" 2>&1) ||
        grep -q 'not found' <<<"$libs" || ! "${user_cmd[@]}" test -x "$MPIEXEC"; then
        echo "NOTE: user nobody cannot run $BINDIR/migrate or $MPIEXEC: the jobs run as root"
        juid=
    fi
fi
if [ -n "$juid" ]; then
    chown "$juid:$jgid" "$udir" || fail "cannot give $udir to nobody"
else
    juid=0 user_cmd=()
fi
as_user=("${user_cmd[@]}" env -u XDG_RUNTIME_DIR NMPI_RUN_DIR="$udir/run")
echo "jobs run as uid $juid"

# check_job NAME JOBID NPROCS "MOVES" VERDICT FILE: FILE (the job's output)
# has one line matching VERDICT (an extended regex, whole line), one
# slurm-env line per process 0..NPROCS-1 showing the user's uid, job JOBID,
# a step started by srun (a number) and this node, and for rank r exactly
# the r-th number of MOVES move reports (MOVES has one number per rank),
# none for ranks beyond.
check_job() {
    local name=$1 job=$2 nprocs=$3 verdict=$5 file=$6 r n total=0
    local -a moves
    read -ra moves <<<"$4"
    [ "$(grep -cxE "$verdict" "$file")" -eq 1 ] || fail "$name: want one line '$verdict'"
    [ "$(grep -c '^slurm-env ' "$file")" -eq "$nprocs" ] ||
        fail "$name: want $nprocs slurm-env lines (one per process), got $(grep -c '^slurm-env ' "$file")"
    for ((r = 0; r < nprocs; r++)); do
        grep -qxE "slurm-env rank=$r uid=[0-9]+ job=$job step=[0-9]+ node=$host" "$file" ||
            fail "$name: process $r was not started in a step of job $job on $host by srun (Hydra did not use the allocation)"
        grep -qxE "slurm-env rank=$r uid=$juid .*" "$file" || fail "$name: process $r does not run as uid $juid"
    done
    for ((r = 0; r < ${#moves[@]}; r++)); do
        n=$(grep -c "^nanvix-mpi: rmig: rank $r moved cluster " "$file")
        [ "$n" -eq "${moves[r]}" ] || fail "$name: rank $r moved $n times, want ${moves[r]}"
        total=$((total + n))
    done
    [ "$(grep -c '^nanvix-mpi: rmig: rank [0-9]* moved cluster ' "$file")" -eq $total ] ||
        fail "$name: move reports of ranks that do not exist"
}

# run_bounded LIMIT OUT CMD...: runs CMD in udir with its output in OUT,
# killed after LIMIT s (SIGKILL 5 s later: salloc and srun ignore a first
# SIGTERM while their job runs); returns its status, 124 when it was killed.
# It runs in the background and is waited for, so that a signal to this
# script is handled at once, not when CMD ends.
run_bounded() {
    local limit=$1 out=$2 status
    shift 2
    (cd "$udir" && exec timeout -k 5 "$limit" "$@") </dev/null >"$out" 2>&1 &
    wait $!
    status=$?
    [ $status -ne 137 ] || status=124
    return $status
}

export NMPI_MIGRATE_TIMEOUT=10 NMPI_MIGRATION_REPORT=1

# ---- salloc: 3 ranks and 2 spares, all-pairs traffic with MPI_ANY_SOURCE
# while one rank moves every round (every payload and per-sender order
# checked by the program).
t=$(date +%s.%N)
out=$T/work/salloc.out
echo "+ salloc -N1 -n3 -O $MPIEXEC -n 3 --spares 2 migrate pairs 8"
run_bounded 60 "$out" "${as_user[@]}" salloc -N1 -n3 -O -t 2 -J nmpi-salloc \
    "$MPIEXEC" -n 3 --spares 2 "$showenv" "$BINDIR/migrate" pairs 8
status=$?
cat "$out"
[ $status -ne 124 ] || die "salloc: killed after 60 s"
[ $status -eq 0 ] || die "salloc: exit status $status (want 0)"
job=$(sed -n 's/^salloc: Granted job allocation \([0-9]*\)$/\1/p' "$out")
[ -n "$job" ] || fail "salloc: no 'Granted job allocation' line"
# pairs: round r moves rank r % 3, so 8 rounds move ranks 0 1 2 3, 3, 2 times.
check_job salloc "$job" 5 "3 3 2" "migrate pairs: OK 8 rounds" "$out"
echo "salloc: OK, job $job ($(elapsed "$t") s)"

# ---- sbatch --wait: 4 ranks and 4 spares; ranks 2k and 2k+1 talk and both
# move at the same moment, every rank every round, traffic in flight both
# ways and across pairs (migrate dual). The script gives mpiexec no -n: the
# number of ranks is the allocation's 4 task slots, as with Hydra alone.
t=$(date +%s.%N)
out=$udir/sbatch.out
script=$T/work/job.sbatch
{
    echo '#!/bin/bash'
    echo '# The batch shell is not a step: it has no SLURM_STEP_ID.'
    echo 'echo "batch-env uid=$(id -u) job=$SLURM_JOB_ID step=${SLURM_STEP_ID:-none}"'
    printf 'exec %q --spares 4 %q %q dual 6\n' "$MPIEXEC" "$showenv" "$BINDIR/migrate"
} >"$script"
echo "+ sbatch --wait -N1 -n4 -O $script  ($MPIEXEC --spares 4 migrate dual 6)"
run_bounded 60 "$T/work/sbatch.submit" "${as_user[@]}" sbatch --wait -N1 -n4 -O -t 2 -J nmpi-sbatch -o "$out" "$script"
status=$?
cat "$T/work/sbatch.submit"
[ -f "$out" ] && cat "$out"
[ $status -ne 124 ] || die "sbatch --wait: killed after 60 s"
[ $status -eq 0 ] || die "sbatch --wait: exit status $status (want 0)"
job=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' "$T/work/sbatch.submit")
[ -n "$job" ] || fail "sbatch: no 'Submitted batch job' line"
grep -qx "batch-env uid=$juid job=$job step=none" "$out" ||
    fail "sbatch: the batch shell's environment is not job $job's as uid $juid"
check_job sbatch "$job" 8 "6 6 6 6" "migrate dual: OK 6 rounds 4 ranks" "$out"
echo "sbatch: OK, job $job ($(elapsed "$t") s)"

# ---- mpimigrate from outside the allocation: the ranks, started by srun
# under slurmstepd, are reached through the job directory like any others.
# Rank 1 is moved to spare 3, rank 2 to any spare (4, as 3 is busy), while
# the ranks exchange rendezvous messages checked bit for bit and fold them
# into a checksum that travels with them (mpimigrate_job).
t=$(date +%s.%N)
out=$T/work/mpimigrate.out
stop=$T/work/mpimigrate.stop
echo "+ salloc -N1 -n3 -O $MPIEXEC -n 3 --spares 2 mpimigrate_job &"
: >"$out" # wait_for reads it at once
run_bounded 60 "$out" "${as_user[@]}" salloc -N1 -n3 -O -t 2 -J nmpi-mpimigrate \
    "$MPIEXEC" -n 3 --spares 2 "$showenv" "$BINDIR/mpimigrate_job" "$stop" 50 &
job_pid=$!
wait_for "$out" $job_pid 1 "mpimigrate_job: ready"
wait_for "$out" $job_pid 1 "mpimigrate_job: rank 1 on cluster 1"
# mm PATTERN ARGS: mpimigrate ARGS exits 0 and prints a line matching PATTERN.
mm() {
    local pat=$1 st
    shift
    echo "+ mpimigrate $*"
    timeout -k 5 30 "${as_user[@]}" "$top_builddir/tools/mpimigrate" "$@" </dev/null >"$T/work/mm.out" 2>&1
    st=$?
    cat "$T/work/mm.out"
    [ $st -eq 0 ] || fail "mpimigrate $*: exit status $st (want 0)"
    grep -Eq "$pat" "$T/work/mm.out" || fail "mpimigrate $*: no line matching '$pat'"
}
mm "^rank 1 moved from cluster 1 to cluster 3 \(job [0-9]+, downtime [0-9]+\.[0-9]+ ms\)$" 1 3
wait_for "$out" $job_pid 1 "mpimigrate_job: rank 1 on cluster 3"
mm "^rank 2 moved from cluster 2 to cluster 4 \(job [0-9]+, downtime [0-9]+\.[0-9]+ ms\)$" 2 any
wait_for "$out" $job_pid 1 "mpimigrate_job: rank 2 on cluster 4"
touch "$stop"
wait $job_pid
status=$?
cat "$out"
[ $status -ne 124 ] || die "salloc (mpimigrate_job): killed after 60 s"
[ $status -eq 0 ] || die "salloc (mpimigrate_job): exit status $status (want 0)"
job=$(sed -n 's/^salloc: Granted job allocation \([0-9]*\)$/\1/p' "$out")
[ -n "$job" ] || fail "salloc (mpimigrate_job): no 'Granted job allocation' line"
check_job mpimigrate "$job" 5 "0 1 1" "mpimigrate_job: OK [0-9]+ iterations [0-9a-f]{16}" "$out"
for r in 0:0 1:1 2:1; do
    grep -qx "mpimigrate_job: rank ${r%:*} made ${r#*:} moves" "$out" ||
        fail "mpimigrate: rank ${r%:*} does not report ${r#*:} moves"
done
echo "mpimigrate: OK, job $job ($(elapsed "$t") s)"

# Every job is over: none left in the queue.
left=$(timeout 5 squeue -h -o %i) || die "squeue failed"
[ -z "$left" ] || die "jobs still queued: $left"

# ---- Everything stopped, and nothing that used $T survives.
t=$(date +%s.%N)
stop_all
[ ! -e "$T" ] || fail "$T not removed"
if pgrep -af -- "$T/"; then
    fail "processes with $T on their command line survive"
fi
survivors=$(users_of "$T")
[ -z "$survivors" ] || {
    # shellcheck disable=SC2086 # one pid a word
    ps -o pid,stat,args -p $survivors
    fail "processes of the test's Slurm survive: $survivors"
}
for p in "${started_pids[@]}"; do
    ! alive "$p" || fail "daemon $p survives"
done
echo "stopped, nothing left ($(elapsed "$t") s)"
echo "slurm: OK ($(elapsed "$start") s in all)"
