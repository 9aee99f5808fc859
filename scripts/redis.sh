#!/usr/bin/env bash
# A throw-away redis-server for tests and local trials: loopback only, own port, no disk.
#
#   scripts/redis.sh start [DIR]     start (idempotent); prints the URL for RATELIMIT_STORAGE_URI
#   scripts/redis.sh stop [DIR]      stop it (idempotent)
#   scripts/redis.sh url|status [DIR]
#
# DIR defaults to $CASEBASE_REDIS_DIR or /tmp/casebase-redis-<uid>-<repo hash>. Debian's
# `redis-server` package provides the server (installed via scripts/system-deps.sh when root).
# Never use this one in production: it persists nothing and has no password.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-start}"
repo_hash="$(printf '%s' "$here" | cksum | cut -d' ' -f1)"
dir="${2:-${CASEBASE_REDIS_DIR:-/tmp/casebase-redis-$(id -u)-$repo_hash}}"

say() { echo "redis.sh: $*" >&2; }

find_server() {
  if ! command -v redis-server >/dev/null && [ "$cmd" = start ]; then
    bash "$here/scripts/system-deps.sh" redis-server >&2
  fi
  command -v redis-server || { say "找不到 redis-server（请安装 Debian 软件包 redis-server）"; exit 2; }
}

url() { echo "redis://127.0.0.1:$(cat "$dir/port")"; }

running() {
  [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null
}

start() {
  mkdir -p "$dir"
  if ! running; then
    local port
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    echo "$port" >"$dir/port"
    "$server" --bind 127.0.0.1 --port "$port" --protected-mode yes --save "" --appendonly no \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --daemonize yes 9>&-
    for _ in $(seq 1 100); do
      if running && python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
assert s.recv(16).startswith(b"+PONG")
PY
      sleep 0.1
    done
    running || { tail -n 20 "$dir/redis.log" >&2; exit 1; }
  fi
  url
}

case "$cmd" in
  start)
    server="$(find_server)"
    exec 9>"$dir.lock"
    flock 9
    start
    ;;
  stop)
    if running; then kill "$(cat "$dir/redis.pid")"; fi
    for _ in $(seq 1 50); do running || break; sleep 0.1; done
    say "stopped ($dir)"
    ;;
  status)
    if running; then echo "running: $(url)"; else echo "stopped"; exit 3; fi
    ;;
  url) url ;;
  *)
    say "用法：$0 start|stop|status|url [DIR]"
    exit 2
    ;;
esac
