#!/bin/bash
# setup.sh: install the Debian packages nanvix-mpi needs, then build it.
#
# Installs (apt-get update, then apt-get install) whatever is missing of
# PACKAGES below (as root, or through sudo), then runs autoreconf -fi,
# ./configure and make -j2 in the source tree. Extra configure arguments
# come from NMPI_CONFIGURE_ARGS. NMPI_SETUP_APT=always forces the apt-get
# step even when every package is installed; =never skips it. slurm-wlm and
# munge are for tests/slurm/slurm.sh, which starts a private Slurm of its own
# (the system's services are not used or configured). gnuplot-nox draws the
# plot of make bench-migration-hosts.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential gfortran autoconf automake libtool pkg-config libfabric-dev libfabric-bin
    libhwloc-dev libmpich-dev mpich check libxxhash-dev groff-base man-db clang-format cppcheck
    iproute2 slurm-wlm slurmctld slurmd slurm-client munge gnuplot-nox)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

apt_mode=${NMPI_SETUP_APT:-auto}
if [ "$apt_mode" = always ] || { [ "$apt_mode" != never ] && [ ${#missing[@]} -gt 0 ]; }; then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "setup: not root and no sudo: install ${missing[*]} by hand" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    echo "== installing: ${PACKAGES[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        "${PACKAGES[@]}"
else
    echo "== Debian packages already installed: ${PACKAGES[*]}"
fi

jobs=${NMPI_MAKE_JOBS:-2}
echo "== autoreconf -fi"
autoreconf -fi
echo "== ./configure ${NMPI_CONFIGURE_ARGS:-}"
# shellcheck disable=SC2086 # word splitting of the extra arguments is wanted
./configure ${NMPI_CONFIGURE_ARGS:-}
echo "== make -j$jobs"
make -j"$jobs"
