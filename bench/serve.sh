#!/usr/bin/env bash
# Load test: libyawire serving /feed.atom?tag=X from a database of 100,000
# stories, against a minimal Go server that serves the same bytes from
# memory, with wrk (apt-get install wrk) at 32 connections, one after the
# other on this machine. Everything listens on 127.0.0.1 and stops by itself.
#
#   bench/serve.sh [seconds]      (default 10 per run)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/libyawire" .
go build -o "$work/static" ./bench/static
go run ./bench/mkdb -out "$work/bench.db" -stories 100000

cat > "$work/config.yaml" <<YAML
listen: 127.0.0.1:8098
database: bench.db
sources:
  - name: idle
    url: http://127.0.0.1:9/feed
    schedule: "@every 6h"
YAML
LIBYAWIRE_LOG=error "$work/libyawire" -config "$work/config.yaml" & pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:8098/healthz >/dev/null && break; sleep 0.1; done
path='/feed.atom?tag=sirte'
curl -sf "http://127.0.0.1:8098$path" -o "$work/body.atom"
"$work/static" -file "$work/body.atom" -addr 127.0.0.1:8099 & pids+=($!)
for _ in $(seq 100); do curl -sf http://127.0.0.1:8099/ >/dev/null && break; sleep 0.1; done

run() { wrk -t2 -c32 -d"${secs}s" --latency "$1"; }
echo "body: $(wc -c < "$work/body.atom") bytes of Atom, 50 stories of tag sirte"
echo "== libyawire $path"; daemon=$(run "http://127.0.0.1:8098$path"); echo "$daemon"
echo "== minimal server, same bytes"; static=$(run "http://127.0.0.1:8099$path"); echo "$static"

rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
p99() { awk '$1 == "99%" {print $2}' <<<"$1"; }
d=$(rps "$daemon"); s=$(rps "$static")
echo
printf 'libyawire %s req/s (p99 %s), minimal server %s req/s (p99 %s): %.0f%%\n' \
  "$d" "$(p99 "$daemon")" "$s" "$(p99 "$static")" "$(awk -v d="$d" -v s="$s" 'BEGIN {print 100*d/s}')"
