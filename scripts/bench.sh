#!/usr/bin/env bash
# Throughput and latency of the echo service against a plain C epoll echo server, in one run: builds
# bench/echo-epoll.c and bench/echo-load.c, starts every server pinned to CPU 0, drives each with the
# closed-loop load client pinned to CPU 1, and prints a Markdown table of medians. See BENCHMARKS.md.
#
#   scripts/bench.sh                                  # c-epoll and echo-reactor, 5 runs of 10 s per scenario
#   BASELINE_REF=main scripts/bench.sh                # also echo-reactor built from main, as echo-reactor@main
#   RUNS=3 DURATION=5 SCENARIOS=small SERVERS=c-epoll,echo-reactor scripts/bench.sh
#
# Scenarios (connections x message size x messages in flight per connection):
#   small 64 x 64 B x 1, pipelined 64 x 64 B x 16, bulk 16 x 16 KiB x 4.
# Each JVM server is first warmed up with one JVM_WARMUP-second run of every scenario (not counted).
# Then RUNS rounds; each round runs every scenario against every server in turn, so that whatever
# else the machine does hits all of them alike. Each counted run measures DURATION seconds after
# WARMUP seconds inside the client; each core's busy share over the measured window comes from
# /proc/stat. Raw per-run lines and the table go to $BENCH_DIR/results-<timestamp>.txt.
#
# Environment: RUNS (5), DURATION (10), WARMUP (2), JVM_WARMUP (10), SCENARIOS (small,pipelined,bulk),
# SERVERS (c-epoll,echo-reactor, plus baseline when BASELINE_REF is set), BASELINE_REF (a git ref of
# this repository, built in a temporary git worktree under $BENCH_DIR and removed afterwards),
# ECHO_JAR (the service's jar; default target/echo-reactor-*.jar, built only if missing: run ./mvnw
# package after changing the code), JAVA (java), JAVA_OPTS (-Xms256m -Xmx256m -XX:+AlwaysPreTouch),
# BENCH_DIR (target/bench).
# Needs gcc, taskset, two CPUs and a JDK. Everything stays on 127.0.0.1; every run is killed after
# DURATION + WARMUP + 30 s. Exits 1 when any run failed or saw a wrong echo.
set -euo pipefail

RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
JVM_WARMUP=${JVM_WARMUP:-10}
SCENARIOS=${SCENARIOS:-small,pipelined,bulk}
BASELINE_REF=${BASELINE_REF:-}
SERVERS=${SERVERS:-c-epoll,echo-reactor${BASELINE_REF:+,baseline}}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p "${BENCH_DIR:=target/bench}"
bench_dir=$(cd "$BENCH_DIR" && pwd)

fail() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

for setting in RUNS DURATION WARMUP JVM_WARMUP; do
  [[ ${!setting} =~ ^[0-9]+$ ]] || fail "$setting must be a whole number of seconds (or runs), not '${!setting}'"
done
[ "$RUNS" -ge 1 ] && [ "$DURATION" -ge 1 ] || fail "RUNS and DURATION must be at least 1"

# Connections, message size and messages in flight per connection.
shape() {
  case "$1" in
    small) echo "64 64 1" ;;
    pipelined) echo "64 64 16" ;;
    bulk) echo "16 16384 4" ;;
    *) return 1 ;;
  esac
}
IFS=, read -ra scenarios <<<"$SCENARIOS"
IFS=, read -ra servers <<<"$SERVERS"
for scenario in "${scenarios[@]}"; do
  shape "$scenario" >/dev/null || fail "unknown scenario '$scenario' (small, pipelined, bulk)"
done
jvm_servers=()
for server in "${servers[@]}"; do
  case "$server" in
    c-epoll) ;;
    echo-reactor) jvm_servers+=("$server") ;;
    baseline) [ -n "$BASELINE_REF" ] || fail "server 'baseline' needs BASELINE_REF"; jvm_servers+=("$server") ;;
    *) fail "unknown server '$server' (c-epoll, echo-reactor, baseline)" ;;
  esac
done

tools=(gcc taskset)
[ "${#jvm_servers[@]}" -gt 0 ] && tools+=("$JAVA")
[ -n "$BASELINE_REF" ] && tools+=(git)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required but not installed"
done
[ "$(nproc --all)" -ge 2 ] || fail "needs two CPUs: the servers run on CPU 0, the load on CPU 1"
read -ra java_opts <<<"$JAVA_OPTS"

stamp=$(date +%Y%m%d-%H%M%S)
work="$bench_dir/run-$stamp"
results="$bench_dir/results-$stamp.txt"
mkdir -p "$work"
baseline_src="$bench_dir/baseline-src-$stamp"
baseline_jar="$bench_dir/echo-reactor-baseline-$stamp.jar"
declare -A pid=() port=() label=()
load_pid=""

stop_process() {
  kill "$1" 2>/dev/null || true
  timeout 15 tail --pid="$1" -f /dev/null 2>/dev/null || kill -9 "$1" 2>/dev/null || true
}
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
  for name in "${!pid[@]}"; do stop_process "${pid[$name]}"; done
  rm -f "$baseline_jar"
  if [ -d "$baseline_src" ]; then
    git -C "$root" worktree remove --force "$baseline_src" 2>/dev/null || rm -rf "$baseline_src"
    git -C "$root" worktree prune 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Build ---------------------------------------------------------------------------------------

log "compiling bench/echo-epoll.c and bench/echo-load.c into $bench_dir"
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/echo-epoll" bench/echo-epoll.c
timeout 120 gcc -O2 -Wall -Wextra -pthread -o "$bench_dir/echo-load" bench/echo-load.c

# The packaged application, not the plain jar.
find_jar() { ls "$1"/target/echo-reactor-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n 1 || true; }
jar=""
if [[ " ${jvm_servers[*]} " == *" echo-reactor "* ]]; then
  jar=${ECHO_JAR:-$(find_jar "$root")}
  if [ -z "$jar" ]; then
    log "building the service (./mvnw -B -q -DskipTests package)"
    timeout 900 ./mvnw -B -q -DskipTests package
    jar=$(find_jar "$root")
  fi
  [ -f "$jar" ] || fail "no jar at '$jar'"
  log "echo-reactor from $jar (built $(date -r "$jar" '+%F %T'))"
fi
if [[ " ${jvm_servers[*]} " == *" baseline "* ]]; then
  commit=$(git rev-parse --verify "$BASELINE_REF^{commit}") || fail "'$BASELINE_REF' is not a commit here"
  log "building $BASELINE_REF ($commit) in a temporary worktree"
  git worktree add --quiet --detach "$baseline_src" "$commit"
  (cd "$baseline_src" && timeout 900 ./mvnw -B -q -DskipTests package)
  cp "$(find_jar "$baseline_src")" "$baseline_jar"
  git worktree remove --force "$baseline_src"
fi

# --- Servers -------------------------------------------------------------------------------------

# Waits up to $3 seconds for the log $1 to contain $2 while the process $4 lives.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    kill -0 "$4" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

start_server() {
  local name=$1 out="$work/$1.log"
  case "$name" in
    c-epoll)
      label[$name]=c-epoll
      taskset -c 0 "$bench_dir/echo-epoll" 0 >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" '^listening on ' 10 "${pid[$name]}" || { cat "$out" >&2; fail "c-epoll did not start"; }
      port[$name]=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out")
      ;;
    echo-reactor|baseline)
      local server_jar=$jar
      label[$name]=echo-reactor
      if [ "$name" = baseline ]; then server_jar=$baseline_jar; label[$name]="echo-reactor@$BASELINE_REF"; fi
      taskset -c 0 "$JAVA" "${java_opts[@]}" -jar "$server_jar" --server.address=127.0.0.1 --server.port=0 \
        --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1 \
        --echo.server.accept-strategy=acceptor >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" 'Started EchoApplication' 120 "${pid[$name]}" ||
        { cat "$out" >&2; fail "${label[$name]} did not start"; }
      port[$name]=$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
      ;;
  esac
  [ -n "${port[$name]}" ] || fail "no echo port in $out"
  log "${label[$name]} listening on 127.0.0.1:${port[$name]} (pid ${pid[$name]}, CPU 0)"
}

# --- Runs ----------------------------------------------------------------------------------------

# "busy total" jiffies of cpu0, then of cpu1: busy is everything but idle and iowait.
cpu_sample() {
  awk '$1 == "cpu0" || $1 == "cpu1" { total = 0; for (i = 2; i <= 9; i++) total += $i;
        printf "%d %d ", total - $5 - $6, total }' /proc/stat
}
busy_pct() {
  awk -v b0="$1" -v t0="$2" -v b1="$3" -v t1="$4" 'BEGIN { printf "%.1f", (t1 > t0) ? 100 * (b1 - b0) / (t1 - t0) : 0 }'
}

# Runs the load client against server $1 with scenario $2 for $3 s after $4 s of warm-up; leaves the
# client's line in $work/load.out, and with $5 = measure the cores' busy shares in $busy. Returns the
# client's exit status (137 when killed at its deadline).
load() {
  local name=$1 connections size depth status=0 before after b0 t0 b1 t1 b0_end t0_end b1_end t1_end
  read -r connections size depth <<<"$(shape "$2")"
  if ! kill -0 "${pid[$name]}" 2>/dev/null; then
    tail -n 40 "$work/$name.log" >&2
    fail "${label[$name]} is no longer running"
  fi
  timeout -s KILL $(($3 + $4 + 30)) taskset -c 1 "$bench_dir/echo-load" --host 127.0.0.1 --port "${port[$name]}" \
    --connections "$connections" --size "$size" --depth "$depth" --duration "$3" --warmup "$4" \
    >"$work/load.out" 2>"$work/load.err" &
  load_pid=$!
  busy=""
  if [ "${5:-}" = measure ]; then
    # Sampled inside the client's measured window: after its warm-up, ending just before its end.
    sleep "$(awk -v w="$4" 'BEGIN { print w + 0.2 }')"
    before=$(cpu_sample)
    sleep "$(awk -v d="$3" 'BEGIN { print (d > 1) ? d - 0.4 : d / 2 }')"
    after=$(cpu_sample)
    read -r b0 t0 b1 t1 <<<"$before"
    read -r b0_end t0_end b1_end t1_end <<<"$after"
    busy="cpu0_busy_pct=$(busy_pct "$b0" "$t0" "$b0_end" "$t0_end")"
    busy+=" cpu1_busy_pct=$(busy_pct "$b1" "$t1" "$b1_end" "$t1_end")"
  fi
  wait "$load_pid" || status=$?
  load_pid=""
  return "$status"
}

per_run=$((DURATION + WARMUP + 1))
total=$(( RUNS * ${#scenarios[@]} * ${#servers[@]} * per_run + ${#jvm_servers[@]} * ${#scenarios[@]} * (JVM_WARMUP + 1) ))
log "about $((total / 60 + 1)) minutes of load after the servers start; results in $results"

for server in "${servers[@]}"; do start_server "$server"; done

{
  echo "# scripts/bench.sh $(date -Is) commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP JVM_WARMUP=$JVM_WARMUP SCENARIOS=$SCENARIOS SERVERS=$SERVERS" \
    "BASELINE_REF=$BASELINE_REF JAVA=$JAVA JAVA_OPTS=$JAVA_OPTS"
  echo "# $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
} >"$results"

failures=0
for server in "${jvm_servers[@]}"; do
  [ "$JVM_WARMUP" -gt 0 ] || break
  for scenario in "${scenarios[@]}"; do
    log "warming up ${label[$server]}: $scenario for ${JVM_WARMUP} s (not counted)"
    if ! load "$server" "$scenario" "$JVM_WARMUP" 0; then
      log "warm-up failed: $(cat "$work/load.out" "$work/load.err")"
      failures=$((failures + 1))
    fi
  done
done

for round in $(seq 1 "$RUNS"); do
  for scenario in "${scenarios[@]}"; do
    for server in "${servers[@]}"; do
      status=0
      load "$server" "$scenario" "$DURATION" "$WARMUP" measure || status=$?
      line="round=$round scenario=$scenario server=${label[$server]} $(head -n 1 "$work/load.out") $busy status=$status"
      echo "$line" >>"$results"
      log "$line"
      if [ "$status" -ne 0 ]; then
        failures=$((failures + 1))
        log "run failed: $(cat "$work/load.err")"
      fi
    done
  done
done

for name in "${!pid[@]}"; do stop_process "${pid[$name]}"; done
pid=()

# --- Table ---------------------------------------------------------------------------------------

order_scenarios=$(IFS=,; echo "${scenarios[*]}")
order_servers=$(for s in "${servers[@]}"; do printf '%s,' "${label[$s]}"; done)
table=$(awk -v scenarios="$order_scenarios" -v servers="$order_servers" '
  function median(list,    n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  function extreme(list, want_max,    n, v, i, m) {
    n = split(list, v, " "); m = v[1] + 0
    for (i = 2; i <= n; i++) if (want_max ? v[i] + 0 > m : v[i] + 0 < m) m = v[i] + 0
    return m
  }
  function grouped(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
  }
  /^round=/ {
    delete f
    for (i = 1; i <= NF; i++) { k = index($i, "="); f[substr($i, 1, k - 1)] = substr($i, k + 1) }
    if (f["status"] != 0) next
    key = f["scenario"] SUBSEP f["server"]
    for (m in f) values[key, m] = values[key, m] " " f[m]
    runs[key]++
  }
  END {
    printf "| scenario | server | messages/s | MB/s | vs c-epoll | spread | p50 µs | p99 µs | p99.9 µs |"
    print " server core busy | load core busy |"
    print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    ns = split(scenarios, sc, ","); nv = split(servers, sv, ",")
    for (i = 1; i <= ns; i++) {
      c = (sc[i] SUBSEP "c-epoll")
      reference = (c in runs) ? median(values[c, "messages_per_sec"]) : 0
      for (j = 1; j <= nv; j++) {
        if (sv[j] == "") continue
        key = sc[i] SUBSEP sv[j]
        if (!(key in runs)) { printf "| %s | %s | no successful run | | | | | | | | |\n", sc[i], sv[j]; continue }
        mps = median(values[key, "messages_per_sec"])
        range = extreme(values[key, "messages_per_sec"], 1) - extreme(values[key, "messages_per_sec"], 0)
        spread = (mps > 0) ? 100 * range / 2 / mps : 0
        printf "| %s | %s | %s | %.1f | %s | ±%.1f%% | %.0f | %.0f | %.0f | %.0f%% | %.0f%% |\n", sc[i], sv[j], grouped(mps),
          median(values[key, "mb_per_sec"]), (reference > 0) ? sprintf("%.2f", mps / reference) : "-", spread,
          median(values[key, "p50_us"]), median(values[key, "p99_us"]), median(values[key, "p999_us"]),
          median(values[key, "cpu0_busy_pct"]), median(values[key, "cpu1_busy_pct"])
      }
    }
  }' "$results")

{ echo; echo "$table"; } >>"$results"
echo "$table"
log "raw runs and the table: $results"
[ "$failures" -eq 0 ] || fail "$failures run(s) failed or saw wrong echoes; see $results"
rm -rf "$work" # the servers' logs, kept above when something failed
