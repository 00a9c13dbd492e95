#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (issue 7: storage tests run on SQLite *and* a
# real PostgreSQL from the OS packages).
#
#   scripts/postgres-test-server.sh [start]   print a SQLAlchemy URL on stdout (nothing else)
#   scripts/postgres-test-server.sh stop      stop the server this script started
#   scripts/postgres-test-server.sh status    say whether it runs (stderr), exit 0 if it does
#
# Idempotent: a second `start` reuses the running server and prints the same URL. If
# CDS_TEST_POSTGRES_URL is already set, that URL is printed and nothing is started. When
# PostgreSQL cannot be had (not root and not installed, apt fails) it prints nothing and exits 0
# so the postgres tests skip with a reason -- except under CI=true, where it exits 1 and the tests
# fail instead of skipping (tests/storage/conftest.py enforces the same).
#
# The server listens on 127.0.0.1 only, on a free port, trust auth (loopback, throwaway data).
# It keeps running after the tests so later runs start instantly; several test runs may share it
# because each run creates its own database (tests/storage/conftest.py).
set -uo pipefail

STATE_DIR="${CDS_TEST_POSTGRES_DIR:-/tmp/cds-test-postgres}"
DATA_DIR="$STATE_DIR/data"
SOCK_DIR="$STATE_DIR/sock"
LOG_FILE="$STATE_DIR/server.log"
DB_NAME="cds_test"
DB_USER="postgres"

log() { echo "postgres-test-server: $*" >&2; }

give_up() {
    log "$*"
    if [[ "${CI:-}" == "true" ]]; then
        log "CI=true: PostgreSQL is required, failing"
        exit 1
    fi
    log "PostgreSQL tests will be skipped"
    exit 0
}

find_bindir() {
    # Newest installed major version (Debian: /usr/lib/postgresql/<major>/bin).
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [[ -n "$d" && -x "$d/initdb" ]]; then
        echo "$d"
    fi
}

install_postgres() {
    if [[ $(id -u) -ne 0 ]]; then
        return 1
    fi
    log "installing Debian's postgresql package (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # The package's postinst would start the system cluster on 5432; we don't need it.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    local rc=0
    timeout 600 apt-get update -qq >&2 || rc=$?
    if [[ $rc -eq 0 ]]; then
        timeout 900 apt-get install -y -qq --no-install-recommends postgresql >&2 || rc=$?
    fi
    if [[ $created_policy -eq 1 ]]; then rm -f "$policy"; fi
    return $rc
}

# Run a command as the cluster owner: postgres refuses to run as root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

running_port() {
    # postmaster.pid line 4 is the port; the server runs if pg_ctl status says so AND it
    # accepts connections (a killed server can leave a pid file, or a zombie holding its pid).
    local port
    if [[ -f "$DATA_DIR/postmaster.pid" ]] && as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; then
        port=$(sed -n 4p "$DATA_DIR/postmaster.pid")
        if [[ -n "$port" ]] && "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5 </dev/null; then
            echo "$port"
        fi
    fi
}

clear_stale() {
    # A server that was killed (the session ended) leaves postmaster.pid behind; pg_ctl refuses
    # to start while it names a live-looking pid. Stop what is left, then drop the stale file.
    if [[ -f "$DATA_DIR/postmaster.pid" ]]; then
        log "clearing a stale server (postmaster.pid without a server accepting connections)"
        as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m immediate -w -t 10 stop >/dev/null 2>&1 </dev/null || true
        rm -f "$DATA_DIR/postmaster.pid"
    fi
}

url_for() {
    echo "postgresql+psycopg://$DB_USER@127.0.0.1:$1/$DB_NAME"
}

ensure_cluster() {
    mkdir -p "$STATE_DIR" || return 1
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$STATE_DIR" || return 1
    fi
    chmod 0700 "$STATE_DIR"
    touch "$LOG_FILE" || return 1
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$LOG_FILE" || return 1
    fi
    if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
        rm -rf "$DATA_DIR"
        log "initdb $DATA_DIR"
        as_owner "$BINDIR/initdb" -D "$DATA_DIR" -U "$DB_USER" --auth=trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >>"$LOG_FILE" 2>&1 </dev/null || return 1
    fi
    as_owner mkdir -p "$SOCK_DIR"
}

start_server() {
    local port attempt
    for attempt in 1 2 3; do
        port=$(free_port) || return 1
        log "starting on 127.0.0.1:$port (attempt $attempt)"
        # -l sends the server's output to the log, so nothing keeps our stdout pipe open; 9>&-
        # so the server does not inherit (and hold forever) the start lock.
        if as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 \
            -o "-p $port -k $SOCK_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null 2>&1 </dev/null 9>&-; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

ensure_database() {
    local port=$1 exists
    exists=$(as_owner "$BINDIR/psql" -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>>"$LOG_FILE" </dev/null) || return 1
    if [[ "$exists" != "1" ]]; then
        as_owner "$BINDIR/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" \
            >>"$LOG_FILE" 2>&1 </dev/null || return 1
    fi
}

cmd_start() {
    if [[ -n "${CDS_TEST_POSTGRES_URL:-}" ]]; then
        echo "$CDS_TEST_POSTGRES_URL"
        exit 0
    fi
    BINDIR=$(find_bindir)
    if [[ -z "$BINDIR" ]]; then
        install_postgres || give_up "PostgreSQL is not installed and could not be installed"
        BINDIR=$(find_bindir)
        [[ -n "$BINDIR" ]] || give_up "PostgreSQL binaries not found after install"
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        give_up "no 'postgres' system user to own the cluster"
    fi
    mkdir -p "$(dirname "$STATE_DIR")"
    # One start at a time: concurrent `make test` runs share the server.
    exec 9>"$STATE_DIR.lock" || give_up "cannot create lock $STATE_DIR.lock"
    flock -w 120 9 || give_up "timed out waiting for $STATE_DIR.lock"
    ensure_cluster || give_up "initdb failed (see $LOG_FILE)"
    local port
    port=$(running_port)
    if [[ -z "$port" ]]; then
        clear_stale
        port=$(start_server) || give_up "server did not start (see $LOG_FILE)"
    fi
    ensure_database "$port" || give_up "could not create database $DB_NAME (see $LOG_FILE)"
    url_for "$port"
}

cmd_stop() {
    BINDIR=$(find_bindir)
    if [[ -z "$BINDIR" || ! -f "$DATA_DIR/postmaster.pid" ]]; then
        log "not running"
        return 0
    fi
    as_owner "$BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2 </dev/null || true
}

cmd_status() {
    BINDIR=$(find_bindir)
    local port=""
    if [[ -n "$BINDIR" ]]; then port=$(running_port); fi
    if [[ -n "$port" ]]; then
        log "running: $(url_for "$port")"
        return 0
    fi
    log "not running"
    return 1
}

case "${1:-start}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) log "usage: $0 [start|stop|status]"; exit 2 ;;
esac
