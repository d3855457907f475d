#!/usr/bin/env bash
# How much a UDP flood slows the TCP echo that the same reactor serves. One echo-reactor with one
# reactor, pinned to CPU 0; the TCP load of bench.sh's `small` scenario (64 connections x 64 B x 1 in
# flight) on CPU 1, alone and then beside a UDP flood on the reactor's UDP port: FLOOD_RATE datagrams
# of 64 B per second in total over 16 flows, open loop ('echo-reactor bench --protocol udp --rate'),
# whatever the server answers. Once against the service's default per-source rate limit (1,000
# datagrams/s per source address, and every flow comes from 127.0.0.1: the flood is read and mostly
# dropped) and once with it off (every datagram echoed). Rounds interleave the three cases.
# Both load clients share CPU 1, so part of any TCP slowdown is the clients' own contention: the
# server core's busy share and the UDP client's line show where the time went. See BENCHMARKS.md.
#
#   benchmarks/udp-flood-effect.sh                 # 5 rounds of 5 s
#   RUNS=3 DURATION=3 benchmarks/udp-flood-effect.sh
#
# Environment: RUNS (5), DURATION (5), WARMUP (2), FLOOD_RATE (50000), ECHO_JAR (target/echo-reactor-*.jar), JAVA (java),
# JAVA_OPTS (-Xms256m -Xmx256m -XX:+AlwaysPreTouch), BENCH_DIR (target/bench). Everything stays on
# 127.0.0.1; every client is killed after DURATION + WARMUP + 30 s.
set -euo pipefail

RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
FLOOD_RATE=${FLOOD_RATE:-50000}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_dir=${BENCH_DIR:-$root/target/bench}
jar=${ECHO_JAR:-$(ls target/echo-reactor-*.jar 2>/dev/null | grep -v -- '-plain' | head -n 1 || true)}
[ -n "$jar" ] || { echo "udp-flood-effect: no jar: run ./mvnw -DskipTests package" >&2; exit 1; }
mkdir -p "$bench_dir"
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/echo-load" benchmarks/c/echo-load.c
work=$(mktemp -d "$bench_dir/udp-flood.XXXXXX")
servers=()
cleanup() {
  for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# Starts the service with UDP rate limit $2 (datagrams/s per source, 0 off); sets tcp_$1 and udp_$1.
start() {
  local out="$work/$1.log"
  # shellcheck disable=SC2086
  taskset -c 0 "$JAVA" $JAVA_OPTS -jar "$jar" --server.address=127.0.0.1 --server.port=0 \
    --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1 \
    --echo.server.accept-strategy=acceptor --echo.server.udp.port=0 \
    --echo.server.udp.rate-limit-per-source="$2" >"$out" 2>&1 &
  servers+=($!)
  local line=""
  for _ in $(seq 1 1200); do
    line=$(grep -m 1 'Echo server started on' "$out" || true)
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ -n "$line" ] || { cat "$out" >&2; echo "udp-flood-effect: $1 did not start" >&2; exit 1; }
  printf -v "tcp_$1" '%s' "$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' <<<"$line")"
  printf -v "udp_$1" '%s' "$(sed -n 's/.*; UDP on [^ ]*:\([0-9]*\) .*/\1/p' <<<"$line")"
}

busy_cpu0() { awk '/^cpu0 / { idle = $5 + $6; total = 0; for (i = 2; i <= NF; i++) total += $i; print total - idle, total }' /proc/stat; }

tcp_load() {
  timeout -s KILL $((DURATION + WARMUP + 30)) taskset -c 1 "$bench_dir/echo-load" --host 127.0.0.1 --port "$1" \
    --connections 64 --size 64 --depth 1 --duration "$DURATION" --warmup "$WARMUP"
}

udp_flood() {
  # Longer than the TCP run on both ends, so that the flood covers its whole measured window.
  timeout -s KILL $((DURATION + WARMUP + 30)) taskset -c 1 "$JAVA" -Xms64m -Xmx64m -jar "$jar" bench \
    --protocol udp --connections 16 --size 64 --rate "$FLOOD_RATE" --threads 1 --duration $((DURATION + 2)) \
    --warmup "$WARMUP" --json "127.0.0.1:$1"
}

start limited 1000
start unlimited 0
echo "# echo-reactor limited (rate-limit-per-source=1000): tcp $tcp_limited udp $udp_limited"
echo "# echo-reactor unlimited (rate-limit-per-source=0): tcp $tcp_unlimited udp $udp_unlimited"
# Warm both JVMs with each load once.
for name in limited unlimited; do
  t="tcp_$name"; u="udp_$name"
  tcp_load "${!t}" >/dev/null
  udp_flood "${!u}" >/dev/null 2>&1 || true
done
for round in $(seq 1 "$RUNS"); do
  for case in alone flood-limited flood-unlimited; do
    case $case in
      alone) t=$tcp_limited; u="" ;;
      flood-limited) t=$tcp_limited; u=$udp_limited ;;
      flood-unlimited) t=$tcp_unlimited; u=$udp_unlimited ;;
    esac
    flood_pid=""
    if [ -n "$u" ]; then
      udp_flood "$u" >"$work/udp.out" 2>&1 &
      flood_pid=$!
    fi
    read -r b0 t0 <<<"$(busy_cpu0)"
    line=$(tcp_load "$t")
    read -r b1 t1 <<<"$(busy_cpu0)"
    udp_line="-"
    if [ -n "$flood_pid" ]; then
      wait "$flood_pid" || true
      udp_line=$(tail -n 1 "$work/udp.out")
    fi
    echo "round=$round case=$case cpu0_busy_pct=$(( (b1 - b0) * 100 / (t1 - t0) )) tcp: $line | udp: $udp_line"
  done
done
