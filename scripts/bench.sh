#!/usr/bin/env bash
# Throughput and latency of the echo service against plain C echo servers and Netty, in one run:
# builds the C servers and load clients in bench/, fetches Netty and compiles bench/NettyEcho.java
# when a Netty server is selected, starts every server pinned to CPU 0, drives each with a
# closed-loop load client pinned to CPU 1, and prints a Markdown table of medians. See BENCHMARKS.md.
#
#   scripts/bench.sh                                  # every server and scenario, 5 runs of 10 s each
#   BASELINE_REF=main scripts/bench.sh                # also echo-reactor built from main, as echo-reactor@main
#   RUNS=3 DURATION=5 SCENARIOS=small SERVERS=c-epoll,echo-reactor scripts/bench.sh
#   CLIENTS=c,java SERVERS=echo-reactor scripts/bench.sh  # the C load clients and 'echo-reactor bench'
#
# Scenarios. TCP (connections x message size x messages in flight per connection): small 64 x 64 B
# x 1, pipelined 64 x 64 B x 16, bulk 16 x 16 KiB x 4. UDP (flows x datagram size x datagrams in
# flight per flow): udp 16 x 64 B x 8, each datagram given up as lost after 1 s.
# Servers. TCP: c-epoll (bench/echo-epoll.c), netty-nio and netty-epoll (bench/NettyEcho.java).
# UDP: c-udp (bench/udp-echo.c), netty-udp (NettyEcho.java). Both: echo-reactor and baseline, one
# reactor, UDP on with its per-source rate limit off (--echo.server.udp.rate-limit-per-source=0).
# A scenario runs against the selected servers that speak its protocol; ratios are to the C server
# of that protocol (c-epoll or c-udp).
# Clients. c: bench/echo-load.c (TCP) and bench/udp-load.c (UDP). java: the service's own load
# client, 'java -jar echo-reactor.jar bench --threads 1 --json', its JSON turned into the C clients'
# line. CLIENTS=c,java runs both, one after the other, for every scenario and server; the table then
# has a client column and "vs C client", the ratio to the C client against the same server.
# Each JVM server is first warmed up with one JVM_WARMUP-second run of every scenario it serves (not
# counted). Then RUNS rounds; each round runs every scenario against every server in turn, so that
# whatever else the machine does hits all of them alike. Each counted run measures DURATION
# seconds after WARMUP seconds inside the client; each core's busy share over the measured window
# comes from /proc/stat. Raw per-run lines and the table go to $BENCH_DIR/results-<timestamp>.txt.
#
# Environment: RUNS (5), DURATION (10), WARMUP (2), JVM_WARMUP (10), SCENARIOS
# (small,pipelined,bulk,udp), CLIENTS (c; c,java; java), CLIENT_JAVA_OPTS (-Xms128m -Xmx128m; for the
# java client), SERVERS (c-epoll,c-udp,echo-reactor,netty-nio,netty-epoll,netty-udp,
# plus baseline when BASELINE_REF is set), BASELINE_REF (a git ref of this repository, built in a
# temporary git worktree under $BENCH_DIR and removed afterwards), ECHO_JAR (the service's jar;
# default target/echo-reactor-*.jar, built only if missing: run ./mvnw package after changing the
# code), JAVA (java), JAVA_OPTS (-Xms256m -Xmx256m -XX:+AlwaysPreTouch; for every JVM server),
# NETTY_VERSION (netty.version of bench/netty-pom.xml), NETTY_FETCH (true; false never goes online),
# BENCH_DIR (target/bench). Netty's jars are copied from the local Maven repository into
# $BENCH_DIR/netty-<version>, fetched from Maven Central only when the local repository does not
# have them yet.
# Needs gcc, taskset, two CPUs and a JDK. Everything stays on 127.0.0.1; every run is killed after
# DURATION + WARMUP + 30 s. Exits 1 when any run failed or saw a wrong echo; lost datagrams are
# counted in the table, not failures.
set -euo pipefail

RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
JVM_WARMUP=${JVM_WARMUP:-10}
SCENARIOS=${SCENARIOS:-small,pipelined,bulk,udp}
BASELINE_REF=${BASELINE_REF:-}
SERVERS=${SERVERS:-c-epoll,c-udp,echo-reactor,netty-nio,netty-epoll,netty-udp${BASELINE_REF:+,baseline}}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch}
CLIENTS=${CLIENTS:-c}
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS:--Xms128m -Xmx128m}
NETTY_FETCH=${NETTY_FETCH:-true}
UDP_TIMEOUT=1 # seconds after which an unanswered datagram is lost

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p "${BENCH_DIR:=target/bench}"
bench_dir=$(cd "$BENCH_DIR" && pwd)
NETTY_VERSION=${NETTY_VERSION:-$(sed -n 's:.*<netty.version>\(.*\)</netty.version>.*:\1:p' bench/netty-pom.xml)}

fail() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

for setting in RUNS DURATION WARMUP JVM_WARMUP; do
  [[ ${!setting} =~ ^[0-9]+$ ]] || fail "$setting must be a whole number of seconds (or runs), not '${!setting}'"
done
[ "$RUNS" -ge 1 ] && [ "$DURATION" -ge 1 ] || fail "RUNS and DURATION must be at least 1"

# Connections (or flows), message size and messages in flight per connection.
shape() {
  case "$1" in
    small) echo "64 64 1" ;;
    pipelined) echo "64 64 16" ;;
    bulk) echo "16 16384 4" ;;
    udp) echo "16 64 8" ;;
    *) return 1 ;;
  esac
}
protocol() { if [ "$1" = udp ]; then echo udp; else echo tcp; fi; }
# The protocols a server speaks; echo-reactor's UDP is checked again once it has started.
speaks() {
  case "$1" in
    c-epoll|netty-nio|netty-epoll) echo tcp ;;
    c-udp|netty-udp) echo udp ;;
    echo-reactor|baseline) echo "tcp udp" ;;
  esac
}
# Whether server $1 serves scenario $2.
serves() {
  [[ " ${protocols[$1]} " == *" $(protocol "$2") "* ]]
}
IFS=, read -ra scenarios <<<"$SCENARIOS"
IFS=, read -ra clients <<<"$CLIENTS"
java_client=false
for client in "${clients[@]}"; do
  case "$client" in
    c) ;;
    java) java_client=true ;;
    *) fail "unknown client '$client' (c, java)" ;;
  esac
done
[ "${#clients[@]}" -gt 0 ] || fail "CLIENTS names no client (c, java)"
IFS=, read -ra requested <<<"$SERVERS"
for scenario in "${scenarios[@]}"; do
  shape "$scenario" >/dev/null || fail "unknown scenario '$scenario' (small, pipelined, bulk, udp)"
done
declare -A protocols=()
servers=() jvm_servers=() netty=false
for server in "${requested[@]}"; do
  case "$server" in
    c-epoll|c-udp) ;;
    echo-reactor) ;;
    baseline) [ -n "$BASELINE_REF" ] || fail "server 'baseline' needs BASELINE_REF" ;;
    netty-nio|netty-epoll|netty-udp) ;;
    *) fail "unknown server '$server' (c-epoll, c-udp, echo-reactor, netty-nio, netty-epoll, netty-udp, baseline)" ;;
  esac
  protocols[$server]=$(speaks "$server")
  # A server that serves none of the selected scenarios is not started.
  used=false
  for scenario in "${scenarios[@]}"; do serves "$server" "$scenario" && used=true; done
  if ! $used; then
    log "$server serves none of the scenarios $SCENARIOS; left out"
    continue
  fi
  servers+=("$server")
  case "$server" in
    echo-reactor|baseline) jvm_servers+=("$server") ;;
    netty-*) jvm_servers+=("$server"); netty=true ;;
  esac
done
[ "${#servers[@]}" -gt 0 ] || fail "no selected server serves the scenarios $SCENARIOS"

tools=(gcc taskset)
{ [ "${#jvm_servers[@]}" -gt 0 ] || $java_client; } && tools+=("$JAVA")
[ -n "$BASELINE_REF" ] && tools+=(git)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required but not installed"
done
[ "$(nproc --all)" -ge 2 ] || fail "needs two CPUs: the servers run on CPU 0, the load on CPU 1"
read -ra java_opts <<<"$JAVA_OPTS"
read -ra client_java_opts <<<"$CLIENT_JAVA_OPTS"

stamp=$(date +%Y%m%d-%H%M%S)
work="$bench_dir/run-$stamp"
results="$bench_dir/results-$stamp.txt"
mkdir -p "$work"
baseline_src="$bench_dir/baseline-src-$stamp"
baseline_jar="$bench_dir/echo-reactor-baseline-$stamp.jar"
declare -A pid=() port=() udp_port=() label=()
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

log "compiling the C servers and load clients in bench/ into $bench_dir"
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/echo-epoll" bench/echo-epoll.c
timeout 120 gcc -O2 -Wall -Wextra -pthread -o "$bench_dir/echo-load" bench/echo-load.c
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/udp-echo" bench/udp-echo.c
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/udp-load" bench/udp-load.c

# The packaged application, not the plain jar.
find_jar() { ls "$1"/target/echo-reactor-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n 1 || true; }
jar=""
if [[ " ${jvm_servers[*]} " == *" echo-reactor "* ]] || $java_client; then
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
# Netty is no dependency of the service: bench/netty-pom.xml names its jars, Maven copies them out
# of the local repository (offline), or fetches them once when it does not have them yet.
netty_classpath=""
if $netty; then
  netty_lib="$bench_dir/netty-$NETTY_VERSION"
  if [ ! -f "$netty_lib/.complete" ]; then
    rm -rf "$netty_lib"
    copy_netty=(./mvnw -B -q -f bench/netty-pom.xml -Dnetty.version="$NETTY_VERSION" dependency:copy-dependencies
      -DincludeScope=runtime -DoutputDirectory="$netty_lib")
    if ! timeout 300 "${copy_netty[@]}" -o >"$work/netty-fetch.log" 2>&1; then
      [ "$NETTY_FETCH" = true ] || { cat "$work/netty-fetch.log" >&2;
        fail "Netty $NETTY_VERSION is not in the local Maven repository, and NETTY_FETCH=$NETTY_FETCH"; }
      log "Netty $NETTY_VERSION is not in the local Maven repository; fetching it"
      timeout 600 "${copy_netty[@]}" >"$work/netty-fetch.log" 2>&1 ||
        { cat "$work/netty-fetch.log" >&2; fail "could not fetch Netty $NETTY_VERSION (bench/netty-pom.xml)"; }
    fi
    touch "$netty_lib/.complete"
  fi
  # javac from the JDK that runs the servers.
  javac=$(dirname "$(readlink -f "$(command -v "$JAVA")")")/javac
  [ -x "$javac" ] || javac=javac
  command -v "$javac" >/dev/null 2>&1 || fail "'javac' is required for the Netty servers but not installed"
  rm -rf "$bench_dir/netty-classes"
  timeout 120 "$javac" -d "$bench_dir/netty-classes" -cp "$netty_lib/*" bench/NettyEcho.java
  netty_classpath="$bench_dir/netty-classes:$netty_lib/*"
  log "Netty $NETTY_VERSION from $netty_lib"
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
  local name=$1 out="$work/$1.log" listening
  label[$name]=$name
  case "$name" in
    c-epoll|c-udp)
      local binary=echo-epoll
      [ "$name" = c-udp ] && binary=udp-echo
      taskset -c 0 "$bench_dir/$binary" 0 >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" '^listening on ' 10 "${pid[$name]}" || { cat "$out" >&2; fail "$name did not start"; }
      ;;
    netty-nio|netty-epoll|netty-udp)
      local mode
      case "$name" in netty-nio) mode=tcp-nio ;; netty-epoll) mode=tcp-epoll ;; netty-udp) mode=udp-nio ;; esac
      taskset -c 0 "$JAVA" "${java_opts[@]}" -cp "$netty_classpath" NettyEcho "$mode" 0 >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" '^listening on ' 120 "${pid[$name]}" || { cat "$out" >&2; fail "$name did not start"; }
      ;;
    echo-reactor|baseline)
      local server_jar=$jar
      if [ "$name" = baseline ]; then server_jar=$baseline_jar; label[$name]="echo-reactor@$BASELINE_REF"; fi
      # UDP on its own free port, without the per-source rate limit (1,000 datagrams/s by default),
      # which would otherwise drop most of the udp scenario's datagrams: they all come from 127.0.0.1.
      taskset -c 0 "$JAVA" "${java_opts[@]}" -jar "$server_jar" --server.address=127.0.0.1 --server.port=0 \
        --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1 \
        --echo.server.accept-strategy=acceptor --echo.server.udp.enabled=true --echo.server.udp.port=0 \
        --echo.server.udp.rate-limit-per-source=0 >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" 'Started EchoApplication' 120 "${pid[$name]}" ||
        { cat "$out" >&2; fail "${label[$name]} did not start"; }
      # "Echo server started on 127.0.0.1:PORT (...); UDP on 127.0.0.1:PORT (...)"
      port[$name]=$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
      udp_port[$name]=$(sed -n 's/.*Echo server started on .*; UDP on [^ ]*:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
      if [ -z "${udp_port[$name]}" ]; then
        protocols[$name]=tcp
        [[ " ${scenarios[*]} " == *" udp "* ]] && log "${label[$name]} serves no UDP; the udp scenario skips it"
      fi
      ;;
  esac
  if [ -z "${port[$name]:-}" ] && [ -z "${udp_port[$name]:-}" ]; then
    listening=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out")
    if [ "${protocols[$name]}" = udp ]; then udp_port[$name]=$listening; else port[$name]=$listening; fi
  fi
  [ -n "${port[$name]:-}${udp_port[$name]:-}" ] || fail "no echo port in $out"
  log "${label[$name]} listening on 127.0.0.1:${port[$name]:--}/tcp ${udp_port[$name]:--}/udp (pid ${pid[$name]}, CPU 0)"
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

# The java client's JSON summary (its last line) as the C clients' key=value line.
json_to_line() {
  local key value line=""
  for key in messages_per_sec mb_per_sec connections p50_us p90_us p99_us p999_us max_us errors messages lost late; do
    value=$(tail -n 1 "$1" | grep -o "\"$key\":[0-9.eE+-]*" | head -n 1 | cut -d: -f2)
    [ -z "$value" ] || line+="$key=$value "
  done
  echo "${line% }"
}

# Runs load client $6 (c, the default, or java) against server $1 with scenario $2 for $3 s after
# $4 s of warm-up; leaves the client's line in $work/load.out, and with $5 = measure the cores' busy
# shares in $busy. Returns the client's exit status (137 when killed at its deadline).
load() {
  local name=$1 connections size depth status=0 before after b0 t0 b1 t1 b0_end t0_end b1_end t1_end client
  local which=${6:-c} target_port
  read -r connections size depth <<<"$(shape "$2")"
  if ! kill -0 "${pid[$name]}" 2>/dev/null; then
    tail -n 40 "$work/$name.log" >&2
    fail "${label[$name]} is no longer running"
  fi
  if [ "$(protocol "$2")" = udp ]; then target_port=${udp_port[$name]}; else target_port=${port[$name]}; fi
  if [ "$which" = java ]; then
    client=("$JAVA" "${client_java_opts[@]}" -jar "$jar" bench --protocol "$(protocol "$2")" --threads 1 --json
      --connections "$connections" --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
    [ "$(protocol "$2")" = udp ] && client+=(--udp-timeout "$UDP_TIMEOUT")
    client+=("127.0.0.1:$target_port")
  elif [ "$(protocol "$2")" = udp ]; then
    client=("$bench_dir/udp-load" --port "$target_port" --flows "$connections" --timeout "$UDP_TIMEOUT"
      --host 127.0.0.1 --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
  else
    client=("$bench_dir/echo-load" --port "$target_port" --connections "$connections"
      --host 127.0.0.1 --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
  fi
  # The java client needs a second or so more to start its JVM.
  timeout -s KILL $(($3 + $4 + 30)) taskset -c 1 "${client[@]}" >"$work/load.out" 2>"$work/load.err" &
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
  if [ "$which" = java ]; then
    json_to_line "$work/load.out" >"$work/load.line"
    mv "$work/load.line" "$work/load.out"
  fi
  return "$status"
}

for server in "${servers[@]}"; do start_server "$server"; done

# Counted after the start, once echo-reactor@BASELINE_REF has said whether it serves UDP.
per_run=$((DURATION + WARMUP + 1))
runs_per_round=0 warmups=0
for scenario in "${scenarios[@]}"; do
  for server in "${servers[@]}"; do
    serves "$server" "$scenario" || continue
    runs_per_round=$((runs_per_round + ${#clients[@]}))
    [[ " ${jvm_servers[*]} " == *" $server "* ]] && warmups=$((warmups + 1))
  done
done
[ "$JVM_WARMUP" -gt 0 ] || warmups=0
total=$((RUNS * runs_per_round * per_run + warmups * (JVM_WARMUP + 1)))
log "about $((total / 60 + 1)) minutes of load; results in $results"

client_settings=""
$java_client && client_settings=" CLIENT_JAVA_OPTS=$CLIENT_JAVA_OPTS"
{
  echo "# scripts/bench.sh $(date -Is) commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP JVM_WARMUP=$JVM_WARMUP SCENARIOS=$SCENARIOS SERVERS=$SERVERS" \
    "BASELINE_REF=$BASELINE_REF JAVA=$JAVA JAVA_OPTS=$JAVA_OPTS${netty_classpath:+ NETTY_VERSION=$NETTY_VERSION}" \
    "UDP_TIMEOUT=${UDP_TIMEOUT}s CLIENTS=$CLIENTS$client_settings"
  echo "# $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)"
} >"$results"

failures=0
for server in "${jvm_servers[@]}"; do
  [ "$JVM_WARMUP" -gt 0 ] || break
  for scenario in "${scenarios[@]}"; do
    serves "$server" "$scenario" || continue
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
      serves "$server" "$scenario" || continue
      for client in "${clients[@]}"; do
        status=0
        load "$server" "$scenario" "$DURATION" "$WARMUP" measure "$client" || status=$?
        # client= only for the java client, so that a C-only run's lines stay as they were.
        line="round=$round scenario=$scenario server=${label[$server]}"
        [ "$client" = c ] || line+=" client=$client"
        line+=" $(head -n 1 "$work/load.out") $busy status=$status"
        echo "$line" >>"$results"
        log "$line"
        if [ "$status" -ne 0 ]; then
          failures=$((failures + 1))
          log "run failed: $(cat "$work/load.err")"
        fi
      done
    done
  done
done

for name in "${!pid[@]}"; do stop_process "${pid[$name]}"; done
pid=()

# --- Table ---------------------------------------------------------------------------------------

order_scenarios=$(IFS=,; echo "${scenarios[*]}")
order_servers=$(for s in "${servers[@]}"; do printf '%s,' "${label[$s]}"; done)
table=$(awk -v scenarios="$order_scenarios" -v servers="$order_servers" -v clients="$CLIENTS" '
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
  function sum(list,    n, v, i, s) {
    n = split(list, v, " "); s = 0
    for (i = 1; i <= n; i++) s += v[i]
    return s
  }
  function grouped(x,    s, r) {
    s = sprintf("%.0f", x); r = ""
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return s r
  }
  /^round=/ {
    delete f
    for (i = 1; i <= NF; i++) { k = index($i, "="); f[substr($i, 1, k - 1)] = substr($i, k + 1) }
    client = ("client" in f) ? f["client"] : "c"
    if (client != "c") with_clients = 1
    key = f["scenario"] SUBSEP f["server"] SUBSEP client
    tried[key] = 1
    if (f["status"] != 0) next
    for (m in f) values[key, m] = values[key, m] " " f[m]
    runs[key]++
  }
  function ratio(x, reference) {
    return (reference > 0) ? sprintf("%.2f", x / reference) : "-"
  }
  # With the java client in the run, a client column and the ratio to the C client against the
  # same server; a C-only run prints the table it always has.
  END {
    if (with_clients) {
      printf "| scenario | server | client | messages/s | MB/s | vs C | vs C client | spread | p50 µs | p99 µs |"
      print " p99.9 µs | lost, all runs | server core busy | load core busy |"
      print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    } else {
      printf "| scenario | server | messages/s | MB/s | vs C | spread | p50 µs | p99 µs | p99.9 µs | lost, all runs |"
      print " server core busy | load core busy |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    }
    ns = split(scenarios, sc, ","); nv = split(servers, sv, ","); nc = split(clients, cv, ",")
    for (i = 1; i <= ns; i++) {
      udp = (sc[i] == "udp")
      for (j = 1; j <= nv; j++) {
        if (sv[j] == "") continue
        for (l = 1; l <= nc; l++) {
          key = sc[i] SUBSEP sv[j] SUBSEP cv[l]
          label = with_clients ? sv[j] " | " cv[l] : sv[j]
          if (!(key in runs)) {
            if (key in tried) printf "| %s | %s | no successful run | | | | | | | | | |%s\n", sc[i], label, with_clients ? " |" : ""
            continue
          }
          # The C server of the protocol, and this server with the C client, each measured alike.
          c = sc[i] SUBSEP (udp ? "c-udp" : "c-epoll") SUBSEP cv[l]
          reference = (c in runs) ? median(values[c, "messages_per_sec"]) : 0
          cc = sc[i] SUBSEP sv[j] SUBSEP "c"
          client_reference = (cc in runs) ? median(values[cc, "messages_per_sec"]) : 0
          mps = median(values[key, "messages_per_sec"])
          range = extreme(values[key, "messages_per_sec"], 1) - extreme(values[key, "messages_per_sec"], 0)
          spread = (mps > 0) ? 100 * range / 2 / mps : 0
          printf "| %s | %s | %s | %.1f | %s |%s ±%.1f%% | %.0f | %.0f | %.0f | %s | %.0f%% | %.0f%% |\n", sc[i], label,
            grouped(mps), median(values[key, "mb_per_sec"]), ratio(mps, reference),
            with_clients ? " " ratio(mps, client_reference) " |" : "", spread, median(values[key, "p50_us"]),
            median(values[key, "p99_us"]), median(values[key, "p999_us"]),
            udp ? grouped(sum(values[key, "lost"])) : "-", median(values[key, "cpu0_busy_pct"]),
            median(values[key, "cpu1_busy_pct"])
        }
      }
    }
  }' "$results")

{ echo; echo "$table"; } >>"$results"
echo "$table"
log "raw runs and the table: $results"
[ "$failures" -eq 0 ] || fail "$failures run(s) failed or saw wrong echoes; see $results"
rm -rf "$work" # the servers' logs, kept above when something failed
