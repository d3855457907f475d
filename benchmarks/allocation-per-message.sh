#!/usr/bin/env bash
# Bytes allocated on the reactor thread per echoed message, in steady state: starts the service
# with one reactor on CPU 0 and Actuator on a free port of 127.0.0.1, drives it with benchmarks/c/echo-load
# on CPU 1 (64-byte messages), and between two scrapes taken inside the load's measured window
# divides the growth of echo_reactor_allocated_bytes (ThreadMXBean.getThreadAllocatedBytes of the
# reactor thread) by the messages echoed meanwhile (echo_received_bytes_total / 64). Connections
# are opened before the first scrape, so what they cost to accept is not counted. See BENCHMARKS.md,
# "Allocation per message".
#
#   benchmarks/allocation-per-message.sh                       # 2,000 connections x depth 1, default options
#   JAVA_OPTS=-XX:AutoBoxCacheMax=65536 benchmarks/allocation-per-message.sh 64 16
#
# Arguments: connections (2000), messages in flight per connection (1). Environment: JAVA (java),
# JAVA_OPTS (added to -Xms256m -Xmx256m), ECHO_JAR (target/echo-reactor-*.jar). Needs gcc, curl
# and taskset; everything stays on 127.0.0.1 and is stopped on exit.
set -euo pipefail
connections=${1:-2000}
depth=${2:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jar=${ECHO_JAR:-$(ls target/echo-reactor-*.jar 2>/dev/null | grep -v -- '-plain' | head -n 1 || true)}
[ -n "$jar" ] || { echo "allocation-per-message: no jar: run ./mvnw -DskipTests package" >&2; exit 1; }
work=$(mktemp -d)
timeout 120 gcc -O2 -Wall -Wextra -o "$work/echo-load" benchmarks/c/echo-load.c
# shellcheck disable=SC2086
taskset -c 0 "${JAVA:-java}" -Xms256m -Xmx256m ${JAVA_OPTS:-} -jar "$jar" --server.address=127.0.0.1 \
  --server.port=0 --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1 \
  --echo.server.accept-strategy=acceptor --echo.server.max-connections=$((connections + 100)) \
  --management.endpoints.web.exposure.include=prometheus,health >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 1200); do
  grep -q 'Tomcat started on port' "$work/service.log" && grep -q 'Echo server started' "$work/service.log" && break
  sleep 0.1
done
http=$(sed -n 's/.*Tomcat started on port \([0-9]*\).*/\1/p' "$work/service.log" | head -n 1)
port=$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' "$work/service.log" | head -n 1)
[ -n "$http" ] && [ -n "$port" ] || { cat "$work/service.log" >&2; exit 1; }
metric() {
  curl -sf "http://127.0.0.1:$http/actuator/prometheus" | awk -v m="$1" '$1 ~ "^" m { s += $2 } END { printf "%.0f", s }'
}
# 3 s of warm-up inside the client (connections open, JIT compiled), then 10 s between the scrapes.
timeout -s KILL 60 taskset -c 1 "$work/echo-load" --host 127.0.0.1 --port "$port" --connections "$connections" \
  --size 64 --depth "$depth" --duration 14 --warmup 3 >"$work/load.out" &
load=$!
sleep 5
allocated0=$(metric echo_reactor_allocated_bytes)
received0=$(metric echo_received_bytes_total)
sleep 10
allocated1=$(metric echo_reactor_allocated_bytes)
received1=$(metric echo_received_bytes_total)
wait "$load"
messages=$(((received1 - received0) / 64))
awk -v a=$((allocated1 - allocated0)) -v m="$messages" -v c="$connections" -v d="$depth" -v o="${JAVA_OPTS:-}" \
  'BEGIN { printf "connections=%d depth=%d java_opts=\"%s\" messages=%d allocated_bytes=%d bytes_per_message=%.4f\n", c, d, o, m, a, a / m }'
grep -q 'errors=0' "$work/load.out" || { echo "allocation-per-message: the load saw errors: $(cat "$work/load.out")" >&2; exit 1; }
