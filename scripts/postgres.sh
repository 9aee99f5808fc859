#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests and local trials: loopback only, own port.
#
#   scripts/postgres.sh start [DIR]    init (first time) and start; prints the SQLAlchemy URL
#   scripts/postgres.sh stop [DIR]     stop it (idempotent)
#   scripts/postgres.sh url|status [DIR]
#   scripts/postgres.sh env [DIR]      `export ...` lines: eval "$(scripts/postgres.sh env)"
#   scripts/postgres.sh destroy [DIR]  stop and delete the cluster
#
# DIR defaults to $CASEBASE_PG_DIR or /tmp/casebase-postgres-<uid>-<repo hash>. Debian's
# `postgresql` package provides the server (installed via scripts/system-deps.sh when root).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
# fsync is off: this cluster holds test data only. Never use it for production.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-start}"
repo_hash="$(printf '%s' "$here" | cksum | cut -d' ' -f1)"
dir="${2:-${CASEBASE_PG_DIR:-/tmp/casebase-postgres-$(id -u)-$repo_hash}}"
data="$dir/data" run="$dir/run"
db=casebase role=casebase

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -z "$bin" ] && [ "$cmd" = start ]; then
    bash "$here/scripts/system-deps.sh" postgresql >&2
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  [ -n "$bin" ] || { say "找不到 PostgreSQL（请安装 Debian 软件包 postgresql）"; exit 2; }
  echo "$bin"
}

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() {
  python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" \
    2>/dev/null
}

url() {
  echo "postgresql+psycopg://$role:$(cat "$dir/password")@127.0.0.1:$(cat "$dir/port")/$db"
}

running() { [ -f "$data/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; }

init_cluster() {
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /bin/false postgres
    chown postgres: "$dir"
  fi
  chmod 700 "$dir"
  head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/password"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/password"
  as_owner mkdir -p "$run"
  as_owner "$bin/initdb" -D "$data" -U "$role" --pwfile="$dir/password" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
}

start() {
  [ -f "$data/PG_VERSION" ] || init_cluster
  if ! running; then
    local port
    port="$(cat "$dir/port" 2>/dev/null || true)"
    if [ -z "$port" ] || ! port_free "$port"; then port="$(free_port)"; fi
    echo "$port" >"$dir/port"
    as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 -o "-c listen_addresses=127.0.0.1 \
      -c port=$port -c unix_socket_directories=$run -c fsync=off -c synchronous_commit=off \
      -c full_page_writes=off -c max_connections=200" start >/dev/null 9>&- \
      || { tail -n 20 "$dir/server.log" >&2; exit 1; }
  fi
  local port psql
  port="$(cat "$dir/port")"
  psql=(as_owner "$bin/psql" -h "$run" -p "$port" -U "$role" -d postgres -tAq)
  if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    "${psql[@]}" -c "CREATE DATABASE $db"
  fi
  url
}

bin="$(find_bin)"
mkdir -p "$(dirname "$dir")"
case "$cmd" in
  start)
    exec 9>"$dir.lock"
    flock 9  # the server must not inherit this descriptor: start closes it for pg_ctl
    start
    ;;
  stop)
    if running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    say "stopped ($dir)"
    ;;
  status)
    if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi
    ;;
  url) url ;;
  env)
    u="$(url)"
    echo "export CASEBASE_TEST_PG_URL='$u'"
    echo "export CASEBASE_DATABASE_URL='$u'"
    ;;
  destroy)
    if running; then as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null; fi
    rm -rf "$dir" "$dir.lock"
    say "removed $dir"
    ;;
  *)
    say "用法：$0 start|stop|status|url|env|destroy [DIR]"
    exit 2
    ;;
esac
