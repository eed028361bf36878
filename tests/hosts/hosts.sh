# shellcheck shell=bash
# hosts.sh: emulated hosts on one machine, for tests of jobs that span hosts.
#
# Sourced by the tests/hosts/*.sh scripts (it is a library: it defines
# functions and sets traps, it runs nothing by itself).
#
#   hosts_check      returns 77 with a message unless we are root and can
#                    make network, UTS, IPC and mount namespaces
#   hosts_up N       makes hosts h0..h(N-1)
#   hosts_run K cmd  runs cmd "on" host K and waits for it
#   hosts_down       removes everything hosts_up made (trap on EXIT INT TERM)
#   hosts_sweep      removes what tests that died left (run by hosts_up)
#   hosts_leftovers  prints what of ours is still there (nothing after
#                    hosts_down): namespaces, files in the hosts' /dev/shm,
#                    processes
#   HOSTS_EXEC       the launcher script for Hydra: pass
#                    `-launcher ssh -launcher-exec "$HOSTS_EXEC"`
#
# A host K is:
# - a network namespace nmpi-<pid>-hK (<pid>: the test script's pid, so a
#   later test can tell a dead test's namespaces from a live one's), with lo
#   up and one veth, eth0, addressed 198.18.<pid % 256>.<K + 1>/24 (the range
#   reserved for benchmarking, RFC 2544: nothing routes it). The other end of
#   every veth is in one more namespace, nmpi-<pid>-br, where a bridge joins
#   them; no interface of the root namespace is touched, so no traffic leaves
#   the hosts and concurrent tests (each its own bridge) cannot meet.
# - its own /dev/shm: a tmpfs mounted at /run/nmpi-hosts/<pid>/hK, which
#   every process of host K sees at /dev/shm (bind mount in a private mount
#   namespace), so all processes of one host share it and no two hosts do:
#   the same-host paths (mailbox rings, libfabric's shm regions) cannot leak.
# - its own hostname hK (UTS namespace) and its own System V IPC (IPC
#   namespace), both kept in files $HOSTS_SHM_ROOT/<pid>/hK.uts and hK.ipc
#   (unshare --uts=FILE --ipc=FILE) that every process of host K enters:
#   MPICH, for one, takes System V shared memory between processes that
#   share an IPC namespace, whatever their hostnames and /dev/shm.
# - the names h0..h(N-1) resolve to their addresses everywhere on the hosts:
#   /etc/netns/nmpi-<pid>-hK/hosts, which `ip netns exec` bind-mounts on
#   /etc/hosts (iproute2's own mechanism for per-namespace /etc files).
#   Hydra needs this: mpiexec.hydra on h0 tells each proxy to connect back to
#   its own hostname ("h0:<port>"), and calls the launcher with the names of
#   -hosts, which it also resolves itself. Giving addresses instead (in
#   -hosts, and -iface or -localhost for the control port) was not tried:
#   names that resolve are what real clusters have.
#
# Hydra starts the proxies through its real ssh launcher path: with
# `-launcher ssh -launcher-exec $HOSTS_EXEC` it runs
# `nmpi-host-exec [ssh options] hK command...`, which enters host K's
# namespaces (network, IPC, UTS, and a new mount namespace with its
# /dev/shm; it learns where they are from NMPI_HOSTS_PREFIX and
# NMPI_HOSTS_SHM, exported here) and runs the command through sh -c, as ssh
# does. mpiexec itself runs on h0
# (hosts_run 0 ...): Hydra starts h0's proxy directly, the others by ssh.
#
# The pid namespace is the machine's: a process on one emulated host can see
# the pids of another. nanvix-port does not take pid visibility alone as "same
# host" (see nanvix-port/np_host.c); these hosts check that it does not.

hosts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOSTS_EXEC=$hosts_dir/nmpi-host-exec
HOSTS_PID=$$
HOSTS_PREFIX=nmpi-$HOSTS_PID
HOSTS_SHM_ROOT=/run/nmpi-hosts
HOSTS_N=0
HOSTS_NET=198.18.$((HOSTS_PID % 256))
export NMPI_HOSTS_PREFIX=$HOSTS_PREFIX NMPI_HOSTS_SHM=$HOSTS_SHM_ROOT/$HOSTS_PID

hosts_check() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: emulated hosts need root (network namespaces)"
        return 77
    fi
    local probe=nmpi-$HOSTS_PID-probe
    if ! ip netns add "$probe" 2>/dev/null; then
        echo "SKIP: 'ip netns add' does not work here (iproute2 missing or no CAP_SYS_ADMIN)"
        return 77
    fi
    if ! ip netns exec "$probe" unshare --uts --ipc --mount true 2>/dev/null; then
        ip netns del "$probe" 2>/dev/null
        echo "SKIP: cannot make UTS, IPC and mount namespaces (unshare)"
        return 77
    fi
    ip netns del "$probe"
    return 0
}

# The pids of the processes in namespace $1.
hosts_ns_pids() {
    ip netns pids "$1" 2>/dev/null
}

# Removes the hosts of test pid $1: kills what runs on them, then deletes
# the namespaces, the hosts files and the /dev/shm tmpfs.
hosts_remove() {
    local pid=$1 ns d round p
    for round in 1 2 3 4 5 6 7 8 9 10; do
        p=
        for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
            case "$ns" in nmpi-"$pid"-*) p="$p $(hosts_ns_pids "$ns")" ;; esac
        done
        [ -n "${p// /}" ] || break
        # shellcheck disable=SC2086
        if [ "$round" -lt 5 ]; then kill -TERM $p 2>/dev/null; else kill -KILL $p 2>/dev/null; fi
        sleep 0.2
    done
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        case "$ns" in nmpi-"$pid"-*)
            ip netns del "$ns" 2>/dev/null
            rm -rf "/etc/netns/$ns" ;;
        esac
    done
    rm -rf /etc/netns/nmpi-"$pid"-*
    if [ -d "$HOSTS_SHM_ROOT/$pid" ]; then
        for d in "$HOSTS_SHM_ROOT/$pid"/*; do
            umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null
            rmdir "$d" 2>/dev/null || rm -f "$d"
        done
        rmdir "$HOSTS_SHM_ROOT/$pid" 2>/dev/null
    fi
    return 0
}

# Removes the hosts of tests whose pid is gone (killed with SIGKILL, so
# their trap did not run).
hosts_sweep() {
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ "$ns" =~ ^nmpi-([0-9]+)-(h[0-9]+|br)$ ]] || continue
        pid=${BASH_REMATCH[1]}
        [ "$pid" != "$HOSTS_PID" ] && ! kill -0 "$pid" 2>/dev/null && hosts_remove "$pid"
    done
    for ns in "$HOSTS_SHM_ROOT"/*; do
        pid=${ns##*/}
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        [ "$pid" != "$HOSTS_PID" ] && ! kill -0 "$pid" 2>/dev/null && hosts_remove "$pid"
    done
    return 0
}

hosts_down() {
    hosts_remove "$HOSTS_PID"
    HOSTS_N=0
}

# Prints what this test's hosts left: namespaces, files in their /dev/shm,
# processes on them. Prints nothing once hosts_down is done.
hosts_leftovers() {
    local ns d
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        case "$ns" in nmpi-"$HOSTS_PID"-*)
            echo "namespace $ns"
            hosts_ns_pids "$ns" | sed 's/^/  process /' ;;
        esac
    done
    for d in "$HOSTS_SHM_ROOT/$HOSTS_PID"/*; do
        [ -e "$d" ] || continue
        if [ -d "$d" ]; then find "$d" -mindepth 1 | sed "s|^$d|${d##*/}:/dev/shm|"; else echo "$d"; fi
    done
    [ ! -e "$HOSTS_SHM_ROOT/$HOSTS_PID" ] || echo "directory $HOSTS_SHM_ROOT/$HOSTS_PID"
    ls -d /etc/netns/"$HOSTS_PREFIX"-* 2>/dev/null
}

# Lists the /dev/shm of every host: "hK: name" a line.
hosts_shm_files() {
    local d
    for d in "$HOSTS_SHM_ROOT/$HOSTS_PID"/h*; do
        [ -d "$d" ] || continue
        find "$d" -mindepth 1 | sed "s|^$d/|${d##*/}: |"
    done
}

hosts_up() {
    local n=$1 k br=$HOSTS_PREFIX-br ns
    hosts_sweep
    # The EXIT trap the script had (common.sh's) still runs, after ours;
    # set once, so a script may make hosts again after hosts_down.
    if [ -z "${HOSTS_TRAPPED:-}" ]; then
        eval "set -- $(trap -p EXIT)"
        HOSTS_PREV_EXIT=${3:-}
        trap 'hosts_down; eval "$HOSTS_PREV_EXIT"' EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        HOSTS_TRAPPED=1
    fi
    ip netns add "$br" || return 1
    ip -n "$br" link set lo up
    ip -n "$br" link add br0 type bridge || return 1
    ip -n "$br" link set br0 up
    mkdir -p "$HOSTS_SHM_ROOT/$HOSTS_PID" || return 1
    for ((k = 0; k < n; k++)); do
        ns=$HOSTS_PREFIX-h$k
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up
        ip -n "$br" link add "v$k" type veth peer name eth0 netns "$ns" || return 1
        ip -n "$br" link set "v$k" master br0 up
        ip -n "$ns" addr add "$HOSTS_NET.$((k + 1))/24" dev eth0
        ip -n "$ns" link set eth0 up
        mkdir -p "$HOSTS_SHM_ROOT/$HOSTS_PID/h$k" &&
            mount -t tmpfs -o size=512m,mode=1777 "nmpi-h$k" "$HOSTS_SHM_ROOT/$HOSTS_PID/h$k" ||
            return 1
        # The host's IPC and UTS namespaces, kept by a bind mount on a file
        # (unshare's --ipc=FILE) for every process of the host to enter.
        touch "$HOSTS_SHM_ROOT/$HOSTS_PID/h$k.ipc" "$HOSTS_SHM_ROOT/$HOSTS_PID/h$k.uts" &&
            unshare --ipc="$HOSTS_SHM_ROOT/$HOSTS_PID/h$k.ipc" \
                --uts="$HOSTS_SHM_ROOT/$HOSTS_PID/h$k.uts" hostname "h$k" || return 1
    done
    HOSTS_N=$n
    for ((k = 0; k < n; k++)); do
        mkdir -p "/etc/netns/$HOSTS_PREFIX-h$k" || return 1
        {
            echo "127.0.0.1 localhost"
            for ((j = 0; j < n; j++)); do echo "$HOSTS_NET.$((j + 1)) h$j"; done
        } >"/etc/netns/$HOSTS_PREFIX-h$k/hosts"
    done
    return 0
}

# hosts_run K cmd...: runs cmd on host K and waits for it; returns its
# status. The command runs as a background job that the shell waits for, so
# that a SIGTERM or SIGINT sent to the test runs its trap (and removes the
# hosts, the command included) at once, not once the command has ended;
# its stdin is /dev/null.
hosts_run() {
    local k=$1
    shift
    "$HOSTS_EXEC" "h$k" --argv "$@" </dev/null &
    wait $!
}
