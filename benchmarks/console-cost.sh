#!/usr/bin/env bash
# What an open console costs the echo. One echo-reactor with one reactor, the whole JVM pinned to CPU 0
# (Tomcat and the console's thread share the reactor's core: the worst case); on CPU 1, echo-load in a closed
# loop, and in the console cases the browser's side of the console: 'curl -N' reading its live stream
# (/console/stream, one snapshot a second, the connections table included). Three cases a round, interleaved:
# no console, one console, and max-streams (8) consoles, in an order that turns round by round; for each shape
# of load. The figure is the ratio of each round's rate with the console to the same round's rate without, and
# its median over the rounds; each line also gives the CPU time the console's thread and Tomcat's threads took.
#
#   benchmarks/console-cost.sh                         # 7 rounds of 5 s, two shapes
#   RUNS=3 DURATION=3 benchmarks/console-cost.sh
#
# Environment: RUNS (7), DURATION (5), WARMUP (2), SHAPES ("64x64 2000x64": connections x bytes, 1 in flight),
# ECHO_JAR (target/echo-reactor-*.jar), JAVA (java), JAVA_OPTS (-Xms256m -Xmx256m -XX:+AlwaysPreTouch),
# BENCH_DIR (target/bench). Everything stays on 127.0.0.1; every client is killed after DURATION + WARMUP + 30 s.
set -euo pipefail

RUNS=${RUNS:-7}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-2}
SHAPES=${SHAPES:-64x64 2000x64}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bench_dir=${BENCH_DIR:-$root/target/bench}
jar=${ECHO_JAR:-$(ls target/echo-reactor-*.jar 2>/dev/null | grep -v -- '-plain' | head -n 1 || true)}
[ -n "$jar" ] || { echo "console-cost: no jar: run ./mvnw -DskipTests package" >&2; exit 1; }
command -v curl >/dev/null || { echo "console-cost: curl is missing" >&2; exit 1; }
mkdir -p "$bench_dir"
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/echo-load" benchmarks/c/echo-load.c
work=$(mktemp -d "$bench_dir/console-cost.XXXXXX")
server=""
consoles=()
stop_consoles() {
  for p in "${consoles[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${consoles[@]}"; do wait "$p" 2>/dev/null || true; done
  consoles=()
}
cleanup() {
  stop_consoles
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

out="$work/server.log"
# shellcheck disable=SC2086
taskset -c 0 "$JAVA" $JAVA_OPTS -jar "$jar" --server.address=127.0.0.1 --server.port=0 \
  --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1 \
  --echo.server.accept-strategy=acceptor --echo.server.udp.enabled=false --echo.server.backlog=4096 \
  --echo.console.enabled=true >"$out" 2>&1 &
server=$!
line=""
for _ in $(seq 1 1200); do
  line=$(grep -m 1 'Echo server started on' "$out" || true)
  [ -n "$line" ] && break
  sleep 0.1
done
[ -n "$line" ] || { cat "$out" >&2; echo "console-cost: the server did not start" >&2; exit 1; }
tcp=$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' <<<"$line")
http=$(sed -n 's/.*Tomcat started on port \([0-9]*\).*/\1/p' "$out" | head -n 1)
[ -n "$http" ] || { cat "$out" >&2; echo "console-cost: no Actuator port in the log" >&2; exit 1; }
curl -fsS -o /dev/null "http://127.0.0.1:$http/console" || { echo "console-cost: no console on port $http" >&2; exit 1; }
echo "# echo-reactor pid $server: echo on 127.0.0.1:$tcp, console on http://127.0.0.1:$http/console"

# Opens $1 consoles, each reading the live stream until killed, and waits for each one's first snapshot. A
# console closed in the case before holds its place until the server's next write finds it gone (at most a
# second): one refused with 503 meanwhile is opened again.
open_console() {
  timeout -s KILL $((DURATION + WARMUP + 30)) taskset -c 1 curl -sN "http://127.0.0.1:$http/console/stream" \
    >"$work/console-$1.out" 2>/dev/null &
  consoles[$1]=$!
}
open_consoles() {
  local i
  for i in $(seq 1 "$1"); do open_console "$i"; done
  for i in $(seq 1 "$1"); do
    for _ in $(seq 1 100); do
      grep -q '^event:snapshot' "$work/console-$i.out" 2>/dev/null && break
      kill -0 "${consoles[$i]}" 2>/dev/null || open_console "$i"
      sleep 0.1
    done
    grep -q '^event:snapshot' "$work/console-$i.out" || { echo "console-cost: console $i got no snapshot" >&2; exit 1; }
  done
}

# CPU time, in clock ticks, of the server's threads whose name matches $1 (an extended regex); all with "".
ticks() {
  local t comm total=0
  for t in /proc/"$server"/task/*; do
    comm=$(cat "$t/comm" 2>/dev/null) || continue
    [[ $comm =~ $1 ]] || continue
    # utime and stime, fields 14 and 15, counted after the name, which may hold spaces.
    total=$((total + $(sed 's/^.*) //' "$t/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
  done
  echo "$total"
}
hz=$(getconf CLK_TCK)

load() {
  timeout -s KILL $((DURATION + WARMUP + 30)) taskset -c 1 "$bench_dir/echo-load" --host 127.0.0.1 --port "$tcp" \
    --connections "$1" --size "$2" --depth 1 --duration "$DURATION" --warmup "$WARMUP"
}

for shape in $SHAPES; do
  connections=${shape%x*}
  size=${shape#*x}
  load "$connections" "$size" >/dev/null # warms the JIT with this shape
  for round in $(seq 1 "$RUNS"); do
    # The order turns round by round, so that a drift of the machine's speed favours no case.
    order="0 1 8"; [ $((round % 2)) -eq 0 ] && order="8 1 0"
    for consoles_open in $order; do
      [ "$consoles_open" -gt 0 ] && open_consoles "$consoles_open"
      console0=$(ticks '^echo-console$'); http0=$(ticks '^http-nio'); all0=$(ticks '')
      start=$(date +%s%N)
      result=$(load "$connections" "$size")
      ms=$((($(date +%s%N) - start) / 1000000))
      console1=$(ticks '^echo-console$'); http1=$(ticks '^http-nio'); all1=$(ticks '')
      # Snapshots the consoles received during the window: proof that they were live.
      snapshots=0
      if [ "$consoles_open" -gt 0 ]; then
        snapshots=$(cat "$work"/console-*.out | grep -c '^event:snapshot' || true)
      fi
      stop_consoles
      rm -f "$work"/console-*.out
      # CPU time of the console's thread, of Tomcat's, and of the whole server, over the load's run of run_ms.
      # With no console the console's thread may end within the run, taking its ticks with it: counted as none.
      console_ms=0; [ "$consoles_open" -gt 0 ] && console_ms=$(((console1 - console0) * 1000 / hz))
      cpu="run_ms=$ms console_cpu_ms=$console_ms http_cpu_ms=$(((http1 - http0) * 1000 / hz))"
      cpu="$cpu server_cpu_pct=$(((all1 - all0) * 100000 / hz / ms))"
      echo "shape=$shape round=$round consoles=$consoles_open snapshots=$snapshots $cpu $result"
    done
  done
done | tee "$work/results.txt"

# Each round's rate with consoles over the same round's rate without; the median over the rounds.
awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    rate[v["shape"], v["round"], v["consoles"]] = v["messages_per_sec"]; shapes[v["shape"]] = 1; rounds[v["round"]] = 1 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { cpu[v["shape"], v["round"], v["consoles"]] = (v["console_cpu_ms"] + v["http_cpu_ms"]) * 1000 / v["run_ms"] }
  END {
    for (s in shapes) for (c = 1; c <= 8; c += 7) {
      n = 0
      for (r in rounds) if ((s, r, c) in cpu) share[++n] = cpu[s, r, c]
      if (n) printf "shape=%s consoles=%d console_and_http_cpu_ms_per_s_median=%.1f\n", s, c, median(share, n)
    }
    for (s in shapes) for (c = 1; c <= 8; c += 7) {
      n = 0; list = ""
      for (r in rounds) if (rate[s, r, 0] > 0 && rate[s, r, c] > 0) {
        ratio[++n] = rate[s, r, c] / rate[s, r, 0]; list = list sprintf(" %.3f", ratio[n])
      }
      if (n) printf "shape=%s consoles=%d rounds=%d median_ratio=%.3f ratios:%s\n", s, c, n, median(ratio, n), list
    }
  }' "$work/results.txt"
