# Shared steps of the set-up scripts: packages, build, install, test user.
# Sourced, not run. Needs root or sudo (apt-get, make install, useradd).

set -euo pipefail

CDCCRAFT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# PostgreSQL refuses to run as root; its throwaway clusters run as this user.
CDCCRAFT_OS_USER=${CDCCRAFT_OS_USER:-cdccraft_tester}
PG_BIN=/usr/lib/postgresql/15/bin

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_packages() {
    local packages=(build-essential g++ cmake libgtest-dev postgresql-15 postgresql-server-dev-15
                    postgresql-contrib libipc-run-perl postgresql-15-wal2json clang-tidy)
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]}"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

build_and_install() {
    echo "== building and installing the extension"
    make -C "$CDCCRAFT_ROOT" -s -j"$(nproc)" ${WERROR:+WERROR=1}
    as_root make -C "$CDCCRAFT_ROOT" -s install
}

# Everything a throwaway cluster with the extension needs on this machine.
prepare_machine() {
    ensure_packages
    ensure_os_user
    build_and_install
}

ensure_os_user() {
    if [ "$(id -u)" -ne 0 ]; then
        CDCCRAFT_OS_USER=$(id -un)
        return
    fi
    id "$CDCCRAFT_OS_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$CDCCRAFT_OS_USER"
}

# Runs a command as the test user, in a directory that user owns.
as_os_user() {
    if [ "$(id -u)" -eq 0 ]; then
        su "$CDCCRAFT_OS_USER" -s /bin/bash -c "$*"
    else
        bash -c "$*"
    fi
}

# A copy of the source tree that the test user can write (pg_regress and
# the TAP tests write their instances and results beside the sources).
writable_copy() {
    local dir
    dir=$(mktemp -d /tmp/cdccraft-work.XXXXXX)
    tar -C "$CDCCRAFT_ROOT" --exclude=./build --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude=.deps -cf - . | tar -C "$dir" -xf -
    [ "$(id -u)" -eq 0 ] && chown -R "$CDCCRAFT_OS_USER" "$dir"
    echo "$dir"
}

# Starts a throwaway cluster with wal_level = logical on a Unix socket in a
# fresh directory, stopped and removed when the calling script exits. Sets
# CLUSTER_DIR and CLUSTER_PORT. Extra postgresql.conf lines come on stdin.
start_throwaway_cluster() {
    local name=$1
    CLUSTER_PORT=$2
    CLUSTER_DIR=$(mktemp -d "/tmp/cdccraft-$name.XXXXXX")
    [ "$(id -u)" -eq 0 ] && chown "$CDCCRAFT_OS_USER" "$CLUSTER_DIR"
    trap 'as_os_user "$PG_BIN/pg_ctl -D \"$CLUSTER_DIR/data\" -m fast stop >/dev/null 2>&1 || true"; rm -rf "$CLUSTER_DIR"' EXIT
    echo "== starting a throwaway cluster in $CLUSTER_DIR (port $CLUSTER_PORT)"
    as_os_user "$PG_BIN/initdb -D '$CLUSTER_DIR/data' -U postgres --auth=trust >/dev/null"
    { printf "wal_level = logical\nport = %s\nlisten_addresses = ''\nunix_socket_directories = '%s'\n" \
          "$CLUSTER_PORT" "$CLUSTER_DIR"
      cat; } | as_os_user "cat >> '$CLUSTER_DIR/data/postgresql.conf'"
    as_os_user "$PG_BIN/pg_ctl -D '$CLUSTER_DIR/data' -l '$CLUSTER_DIR/server.log' -w start >/dev/null"
}

# psql on the throwaway cluster, as its superuser; arguments are psql's.
cluster_psql() {
    as_os_user "psql -X -q -h '$CLUSTER_DIR' -p $CLUSTER_PORT -U postgres -d postgres $*"
}
