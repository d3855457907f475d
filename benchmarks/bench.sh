#!/usr/bin/env bash
# Throughput, latency, connection scale, idle memory and TLS of the echo service against plain C
# echo servers and Netty, in one run: builds the C servers and load clients in benchmarks/c/, fetches
# Netty and compiles benchmarks/netty/NettyEcho.java when a Netty server is selected, starts every server
# pinned to CPU 0, drives each with a load client pinned to CPU 1, and prints Markdown tables of
# medians. See BENCHMARKS.md.
#
#   benchmarks/bench.sh                               # every server and scenario, 5 runs of 10 s each
#   BASELINE_REF=main benchmarks/bench.sh             # also echo-reactor built from main, as echo-reactor@main
#   RUNS=3 DURATION=5 SCENARIOS=small SERVERS=c-epoll,echo-reactor benchmarks/bench.sh
#   CLIENTS=c,java SERVERS=echo-reactor benchmarks/bench.sh  # the C load clients and 'echo-reactor bench'
#   SCENARIOS=many,scale,idle SERVERS=c-epoll,echo-reactor,netty-epoll benchmarks/bench.sh
#   SCENARIOS=bulk,tls-bulk,tls-handshakes SERVERS=echo-reactor,netty-tls benchmarks/bench.sh
#
# Scenarios. TCP (connections x message size x messages in flight per connection): small 64 x 64 B
# x 1, pipelined 64 x 64 B x 16, bulk 16 x 16 KiB x 4, many 2,000 x 64 B x 1, scale 19,000 x 64 B
# x 1 (every connection echoing; the per-process descriptor limit here is 20,000, so the server and
# the client, separate processes, each stay under it). many and scale open their connections at
# 10,000 and 5,000 per second before the load starts, so that a burst of connects never overruns a
# listen backlog and what is measured is the echo; their errors must be 0 like any run's. idle:
# a fresh instance of the server, once its live heap has settled after start-up; 1,000 connections
# opened at 5,000/s, one 64 B echo each, then held idle (echo-load --idle) while the server's
# memory is weighed: its RSS (VmRSS) and, for JVM servers, its live heap after a full GC (jcmd
# GC.class_histogram); then 9,000 more, held idle too, and weighed again: the difference over
# those 9,000 is the memory per idle connection, in a second table. UDP (flows x datagram size x datagrams in flight per flow): udp 16 x 64 B x 8, each
# datagram given up as lost after 1 s. TLS, TLSv1.3 with TLS_AES_128_GCM_SHA256 on every TLS server,
# always driven by the java client: tls-bulk 16 x 16 KiB x 4 (the client trusts the certificate with
# --ca); tls-handshakes 16 connections x 64 B, each closed after its echo and replaced by a new one
# (bench --reconnect: a full handshake every time, no resumed session), its rate in handshakes/s;
# here the client skips the certificate check (--insecure), so that its core spends its time on the
# handshake that both ends must do. A self-signed P-256 certificate and key are made with openssl
# into $BENCH_DIR at the start.
# Servers. TCP: c-epoll (benchmarks/c/echo-epoll.c), netty-nio and netty-epoll
# (benchmarks/netty/NettyEcho.java). UDP: c-udp (benchmarks/c/udp-echo.c), netty-udp (NettyEcho.java).
# TLS: netty-tls (NettyEcho.java tls-nio, Netty's SslHandler on the JDK's SSLEngine, the same
# certificate, key, protocol and cipher suite).
# All three: echo-reactor and baseline, one reactor, UDP on with its per-source rate limit off
# (--echo.server.udp.rate-limit-per-source=0), up to 19,500 connections with a listen backlog of
# 4,096 (the defaults, 10,000 and 1,024, are below what scale opens), its TLS listener on an SSL
# bundle of that certificate when a TLS scenario is selected, and Actuator on an ephemeral
# 127.0.0.1 port with the metrics endpoint exposed, from which the allocation column is read.
# A scenario runs against the selected servers that speak its protocol. Ratios ("vs C") are to the
# C server of that protocol (c-epoll or c-udp); for tls-bulk to echo-reactor's plain bulk (the
# goal: at least 0.5, and at least netty-tls's), for tls-handshakes to netty-tls.
# Allocation. For echo-reactor and baseline, "alloc B/msg" is the heap its reactor thread allocated
# (the meter echo.reactor.allocated, the JVM's per-thread count) over the messages it echoed
# (echo.sent bytes / message size; echo.udp.datagrams.sent; for tls-handshakes the handshakes,
# echo.tls.handshakes), both read from /actuator/metrics around the measured window; "-" elsewhere.
# Those four requests run on the server's core (Tomcat's threads share it with the reactor) and
# hold echoes up for milliseconds, which shows in p99.9: so they are made in the last round only
# (ALLOC=last), and the other rounds' tails are the echo's own. ALLOC=all asks in every round,
# ALLOC=none never.
# JVM options. Every JVM server gets -XX:AutoBoxCacheMax=65536 in the default JAVA_OPTS: the JDK's
# EPollSelectorImpl looks each ready descriptor up in a HashMap<Integer, ...>, boxing every
# descriptor above 127 on every select, so past 128 open files a JVM on the JDK's Selector (ours,
# netty-nio, netty-tls) allocates per wakeup what its own code does not; with the larger box cache
# echo-reactor's reactor allocates 0 bytes per message. All JVM servers get it, so the comparison
# stays fair; a JAVA_OPTS without it shows the boxing's cost.
# Clients. c: benchmarks/c/echo-load.c (TCP) and benchmarks/c/udp-load.c (UDP). java: the service's
# own load client, 'java -jar echo-reactor.jar bench --threads 1 --json', its JSON turned into the C
# clients' line. CLIENTS=c,java runs both, one after the other, for every scenario and server; the table then
# has a client column and "vs C client", the ratio to the C client against the same server. idle
# always uses the C client (the java client has no idle mode), the TLS scenarios always the java
# client (the C clients speak no TLS).
# Each JVM server is first warmed up with one JVM_WARMUP-second run of every scenario it serves but
# idle (not counted). Then RUNS rounds; each round runs every scenario against every server in
# turn, so that whatever else the machine does hits all of them alike. Each counted run measures
# DURATION seconds after WARMUP seconds inside the client (after its connections are open); each
# core's busy share over the measured window comes from /proc/stat. Raw per-run lines and the
# tables go to $BENCH_DIR/results-<timestamp>.txt.
#
# Environment: RUNS (5), DURATION (10), WARMUP (2), JVM_WARMUP (10), ALLOC (last; all, none), SCENARIOS
# (small,pipelined,bulk,udp,many,scale,idle,tls-bulk,tls-handshakes), CLIENTS (c; c,java; java),
# CLIENT_JAVA_OPTS (-Xms128m -Xmx128m; for the java client), SERVERS (c-epoll,c-udp,echo-reactor,
# netty-nio,netty-epoll,netty-udp,netty-tls, plus baseline when BASELINE_REF is set), BASELINE_REF
# (a git ref of this repository, built in a temporary git worktree under $BENCH_DIR and removed
# afterwards), ECHO_JAR (the service's jar; default target/echo-reactor-*.jar, built only if
# missing: run ./mvnw package after changing the code), JAVA (java), JAVA_OPTS (-Xms256m -Xmx256m
# -XX:+AlwaysPreTouch -XX:AutoBoxCacheMax=65536; for every JVM server), NETTY_VERSION (netty.version
# of benchmarks/netty/netty-pom.xml), NETTY_FETCH (true; false never goes online), BENCH_DIR (target/bench).
# Netty's jars are copied from the local Maven repository into $BENCH_DIR/netty-<version>, fetched
# from Maven Central only when the local repository does not have them yet.
# Needs gcc, taskset, two CPUs and a JDK (jcmd for idle); openssl for the TLS scenarios; curl for
# the allocation column; a descriptor limit (ulimit -n, raised to the hard limit here) of at least
# 19,100 for scale and 10,100 for idle. Everything stays on 127.0.0.1; every run is killed after
# DURATION + WARMUP + 30 s plus the time its connections take to open (idle: after 120 s).
# Exits 1 when any run failed or saw a wrong echo; lost datagrams are counted in the table, not
# failures.
set -euo pipefail

RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
JVM_WARMUP=${JVM_WARMUP:-10}
SCENARIOS=${SCENARIOS:-small,pipelined,bulk,udp,many,scale,idle,tls-bulk,tls-handshakes}
BASELINE_REF=${BASELINE_REF:-}
SERVERS=${SERVERS:-c-epoll,c-udp,echo-reactor,netty-nio,netty-epoll,netty-udp,netty-tls${BASELINE_REF:+,baseline}}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:AutoBoxCacheMax=65536}
CLIENTS=${CLIENTS:-c}
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS:--Xms128m -Xmx128m}
NETTY_FETCH=${NETTY_FETCH:-true}
ALLOC=${ALLOC:-last}
UDP_TIMEOUT=1 # seconds after which an unanswered datagram is lost
TLS_CIPHER=TLS_AES_128_GCM_SHA256 # the one suite every TLS server offers, with TLSv1.3 only
IDLE_HOLD=120 # seconds an idle client holds its connections at most; the script ends it sooner
IDLE_BASE=1000 # idle connections opened before the first weighing; the rest are what is weighed

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p "${BENCH_DIR:=target/bench}"
bench_dir=$(cd "$BENCH_DIR" && pwd)
netty_pom=benchmarks/netty/netty-pom.xml
NETTY_VERSION=${NETTY_VERSION:-$(sed -n 's:.*<netty.version>\(.*\)</netty.version>.*:\1:p' "$netty_pom")}

fail() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

for setting in RUNS DURATION WARMUP JVM_WARMUP; do
  [[ ${!setting} =~ ^[0-9]+$ ]] || fail "$setting must be a whole number of seconds (or runs), not '${!setting}'"
done
[ "$RUNS" -ge 1 ] && [ "$DURATION" -ge 1 ] || fail "RUNS and DURATION must be at least 1"
[[ $ALLOC =~ ^(last|all|none)$ ]] || fail "ALLOC must be last, all or none, not '$ALLOC'"

# Connections (or flows), message size and messages in flight per connection.
shape() {
  case "$1" in
    small) echo "64 64 1" ;;
    pipelined) echo "64 64 16" ;;
    bulk|tls-bulk) echo "16 16384 4" ;;
    udp) echo "16 64 8" ;;
    many) echo "2000 64 1" ;;
    scale) echo "19000 64 1" ;;
    idle) echo "10000 64 1" ;;
    tls-handshakes) echo "16 64 1" ;;
    *) return 1 ;;
  esac
}
# Connections opened per second before the load starts; none: all at once. Thousands of connects
# at the same moment would overflow the listen backlog, and a dropped SYN costs a second's retry.
connect_rate() {
  case "$1" in
    many) echo 10000 ;;
    scale|idle) echo 5000 ;;
  esac
}
# Whole seconds the connections take to open at that rate, rounded up.
connect_seconds() {
  local connections size depth rate
  read -r connections size depth <<<"$(shape "$1")"
  rate=$(connect_rate "$1")
  if [ -n "$rate" ]; then echo $(((connections + rate - 1) / rate)); else echo 0; fi
}
protocol() {
  case "$1" in
    udp) echo udp ;;
    tls-*) echo tls ;;
    *) echo tcp ;;
  esac
}
# The load clients of a scenario: the C clients speak no TLS, and only echo-load holds connections idle.
scenario_clients() {
  case "$1" in
    idle) echo c ;;
    tls-*) echo java ;;
    *) echo "${clients[*]}" ;;
  esac
}
# The protocols a server speaks; echo-reactor's UDP and TLS are checked again once it has started.
speaks() {
  case "$1" in
    c-epoll|netty-nio|netty-epoll) echo tcp ;;
    c-udp|netty-udp) echo udp ;;
    netty-tls) echo tls ;;
    echo-reactor|baseline) echo "tcp udp tls" ;;
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
tls=false idle=false
for scenario in "${scenarios[@]}"; do
  shape "$scenario" >/dev/null ||
    fail "unknown scenario '$scenario' (small, pipelined, bulk, udp, many, scale, idle, tls-bulk, tls-handshakes)"
  [ "$(protocol "$scenario")" = tls ] && { tls=true; java_client=true; }
  [ "$scenario" = idle ] && idle=true
done
declare -A protocols=()
servers=() jvm_servers=() netty=false
for server in "${requested[@]}"; do
  case "$server" in
    c-epoll|c-udp) ;;
    echo-reactor) ;;
    baseline) [ -n "$BASELINE_REF" ] || fail "server 'baseline' needs BASELINE_REF" ;;
    netty-nio|netty-epoll|netty-udp|netty-tls) ;;
    *) fail "unknown server '$server' (c-epoll, c-udp, echo-reactor, netty-nio, netty-epoll, netty-udp, netty-tls," \
      "baseline)" ;;
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
$tls && tools+=(openssl)
[[ " ${jvm_servers[*]} " == *" echo-reactor "* || " ${jvm_servers[*]} " == *" baseline "* ]] && tools+=(curl)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is required but not installed"
done
[ "$(nproc --all)" -ge 2 ] || fail "needs two CPUs: the servers run on CPU 0, the load on CPU 1"
# The servers and clients started from here inherit the limit: each holds one descriptor per
# connection, plus what its runtime keeps open.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
for scenario in "${scenarios[@]}"; do
  read -r connections _ _ <<<"$(shape "$scenario")"
  needed=$((connections + 100))
  [ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge "$needed" ] ||
    fail "scenario $scenario opens $connections connections: each process needs $needed descriptors, and" \
      "'ulimit -n' is $(ulimit -n)"
done
# jcmd of the JDK that runs the servers weighs their heap in the idle scenario.
jdk_bin=""
if [ "${#jvm_servers[@]}" -gt 0 ] || $java_client; then
  jdk_bin=$(dirname "$(readlink -f "$(command -v "$JAVA")")")
fi
jcmd="$jdk_bin/jcmd"
if $idle && [ "${#jvm_servers[@]}" -gt 0 ]; then
  [ -x "$jcmd" ] || jcmd=jcmd
  command -v "$jcmd" >/dev/null 2>&1 || fail "'jcmd' is required for the idle scenario's heap but not installed"
fi
read -ra java_opts <<<"$JAVA_OPTS"
read -ra client_java_opts <<<"$CLIENT_JAVA_OPTS"

stamp=$(date +%Y%m%d-%H%M%S)
work="$bench_dir/run-$stamp"
results="$bench_dir/results-$stamp.txt"
mkdir -p "$work"
baseline_src="$bench_dir/baseline-src-$stamp"
baseline_jar="$bench_dir/echo-reactor-baseline-$stamp.jar"
declare -A pid=() port=() udp_port=() tls_port=() http_port=() label=()
load_pid=""

stop_process() {
  kill "$1" 2>/dev/null || true
  timeout 15 tail --pid="$1" -f /dev/null 2>/dev/null || kill -9 "$1" 2>/dev/null || true
}
cleanup() {
  local holder
  for holder in $load_pid; do kill "$holder" 2>/dev/null || true; done
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

log "compiling the C servers and load clients in benchmarks/c/ into $bench_dir"
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/echo-epoll" benchmarks/c/echo-epoll.c
timeout 120 gcc -O2 -Wall -Wextra -pthread -o "$bench_dir/echo-load" benchmarks/c/echo-load.c
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/udp-echo" benchmarks/c/udp-echo.c
timeout 120 gcc -O2 -Wall -Wextra -o "$bench_dir/udp-load" benchmarks/c/udp-load.c

# A fresh self-signed certificate for every TLS server: P-256 as a real deployment would likely
# choose, a key in PKCS#8 PEM as both Netty and Spring's PEM bundles read it, and the names the
# java client checks with --ca.
tls_cert="$bench_dir/tls-cert.pem" tls_key="$bench_dir/tls-key.pem"
if $tls; then
  log "making a self-signed certificate for the TLS scenarios: $tls_cert"
  timeout 60 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$tls_key" -out "$tls_cert" 2>"$work/openssl.log" ||
    { cat "$work/openssl.log" >&2; fail "openssl could not make the certificate"; }
fi

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
# Netty is no dependency of the service: benchmarks/netty/netty-pom.xml names its jars, Maven copies them out
# of the local repository (offline), or fetches them once when it does not have them yet.
netty_classpath=""
if $netty; then
  netty_lib="$bench_dir/netty-$NETTY_VERSION"
  if [ ! -f "$netty_lib/.complete" ]; then
    rm -rf "$netty_lib"
    copy_netty=(./mvnw -B -q -f "$netty_pom" -Dnetty.version="$NETTY_VERSION" dependency:copy-dependencies
      -DincludeScope=runtime -DoutputDirectory="$netty_lib")
    if ! timeout 300 "${copy_netty[@]}" -o >"$work/netty-fetch.log" 2>&1; then
      [ "$NETTY_FETCH" = true ] || { cat "$work/netty-fetch.log" >&2;
        fail "Netty $NETTY_VERSION is not in the local Maven repository, and NETTY_FETCH=$NETTY_FETCH"; }
      log "Netty $NETTY_VERSION is not in the local Maven repository; fetching it"
      timeout 600 "${copy_netty[@]}" >"$work/netty-fetch.log" 2>&1 ||
        { cat "$work/netty-fetch.log" >&2; fail "could not fetch Netty $NETTY_VERSION ($netty_pom)"; }
    fi
    touch "$netty_lib/.complete"
  fi
  # javac from the JDK that runs the servers.
  javac=$jdk_bin/javac
  [ -x "$javac" ] || javac=javac
  command -v "$javac" >/dev/null 2>&1 || fail "'javac' is required for the Netty servers but not installed"
  rm -rf "$bench_dir/netty-classes"
  timeout 120 "$javac" -d "$bench_dir/netty-classes" -cp "$netty_lib/*" benchmarks/netty/NettyEcho.java
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
    netty-nio|netty-epoll|netty-udp|netty-tls)
      local mode=()
      case "$name" in
        netty-nio) mode=(tcp-nio 0) ;;
        netty-epoll) mode=(tcp-epoll 0) ;;
        netty-udp) mode=(udp-nio 0) ;;
        netty-tls) mode=(tls-nio 0 "$tls_cert" "$tls_key" "$TLS_CIPHER") ;;
      esac
      taskset -c 0 "$JAVA" "${java_opts[@]}" -cp "$netty_classpath" NettyEcho "${mode[@]}" >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" '^listening on ' 120 "${pid[$name]}" || { cat "$out" >&2; fail "$name did not start"; }
      ;;
    echo-reactor|baseline)
      local server_jar=$jar
      if [ "$name" = baseline ]; then server_jar=$baseline_jar; label[$name]="echo-reactor@$BASELINE_REF"; fi
      # UDP on its own free port, without the per-source rate limit (1,000 datagrams/s by default),
      # which would otherwise drop most of the udp scenario's datagrams: they all come from 127.0.0.1.
      # Room for scale's 19,000 connections. Actuator on its own free port, with the metrics
      # endpoint, for the reactor's allocation.
      local options=(--server.address=127.0.0.1 --server.port=0
        --management.endpoints.web.exposure.include=health,info,prometheus,echo,metrics
        --echo.server.address=127.0.0.1 --echo.server.port=0 --echo.server.reactors=1
        --echo.server.accept-strategy=acceptor --echo.server.max-connections=19500 --echo.server.backlog=4096
        --echo.server.udp.enabled=true --echo.server.udp.port=0 --echo.server.udp.rate-limit-per-source=0)
      if $tls; then
        # The certificate, key, protocol and cipher suite that netty-tls serves.
        options+=(--spring.ssl.bundle.pem.bench.keystore.certificate="file:$tls_cert"
          --spring.ssl.bundle.pem.bench.keystore.private-key="file:$tls_key"
          --spring.ssl.bundle.pem.bench.options.enabled-protocols=TLSv1.3
          --spring.ssl.bundle.pem.bench.options.ciphers="$TLS_CIPHER"
          --echo.server.ssl.bundle=bench --echo.server.ssl.port=0)
      fi
      taskset -c 0 "$JAVA" "${java_opts[@]}" -jar "$server_jar" "${options[@]}" >"$out" 2>&1 &
      pid[$name]=$!
      wait_for_line "$out" 'Started EchoApplication' 120 "${pid[$name]}" ||
        { cat "$out" >&2; fail "${label[$name]} did not start"; }
      # "Echo server started on 127.0.0.1:PORT (...); TLS on 127.0.0.1:PORT; UDP on 127.0.0.1:PORT (...)"
      port[$name]=$(sed -n 's/.*Echo server started on [^ ]*:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
      udp_port[$name]=$(sed -n 's/.*Echo server started on .*; UDP on [^ ]*:\([0-9]*\) .*/\1/p' "$out" | head -n 1)
      tls_port[$name]=$(sed -n 's/.*Echo server started on .*; TLS on [^ ;]*:\([0-9]*\).*/\1/p' "$out" | head -n 1)
      http_port[$name]=$(sed -n 's/.*Tomcat started on port \([0-9]*\).*/\1/p' "$out" | head -n 1)
      protocols[$name]=tcp
      if [ -n "${udp_port[$name]}" ]; then
        protocols[$name]+=" udp"
      else
        [[ " ${scenarios[*]} " == *" udp "* ]] && log "${label[$name]} serves no UDP; the udp scenario skips it"
      fi
      if [ -n "${tls_port[$name]}" ]; then
        protocols[$name]+=" tls"
      else
        $tls && log "${label[$name]} serves no TLS; the TLS scenarios skip it"
      fi
      if [ -n "${http_port[$name]}" ]; then
        # The endpoint's first answers load and initialise what they need: slow enough on a loaded
        # core to miss a measured window's edge, so they come now.
        local warmed
        for warmed in udp tls-handshakes; do server_sample "$name" "$warmed" >/dev/null; done
        [ -n "$(server_sample "$name" small)" ] ||
          log "${label[$name]} has no meter echo.reactor.allocated (or echo.sent); no allocation column"
      else
        log "${label[$name]}: no Actuator port in its log; no allocation column"
      fi
      ;;
  esac
  if [ -z "${port[$name]:-}${udp_port[$name]:-}${tls_port[$name]:-}" ]; then
    listening=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out")
    case "${protocols[$name]}" in
      udp) udp_port[$name]=$listening ;;
      tls) tls_port[$name]=$listening ;;
      *) port[$name]=$listening ;;
    esac
  fi
  [ -n "${port[$name]:-}${udp_port[$name]:-}${tls_port[$name]:-}" ] || fail "no echo port in $out"
  log "${label[$name]} listening on 127.0.0.1:${port[$name]:--}/tcp ${udp_port[$name]:--}/udp" \
    "${tls_port[$name]:--}/tls (pid ${pid[$name]}, CPU 0)"
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
  for key in messages_per_sec mb_per_sec connections p50_us p90_us p99_us p999_us max_us errors messages lost late \
    handshakes_per_sec; do
    value=$(tail -n 1 "$1" | grep -o "\"$key\":[0-9.eE+-]*" | head -n 1 | cut -d: -f2)
    [ -z "$value" ] || line+="$key=$value "
  done
  echo "${line% }"
}

# A meter of echo-reactor $1, summed over its tags, from its /actuator/metrics; empty when it has none.
meter() {
  timeout 20 taskset -c 1 curl -s --max-time 15 "http://127.0.0.1:${http_port[$1]}/actuator/metrics/$2" 2>/dev/null |
    grep -o '"value":[-0-9.eE+]*' | head -n 1 | cut -d: -f2 || true
}

# "allocated echoed": the heap echo-reactor $1's reactor thread has allocated, and the messages of
# scenario $2 it has echoed (TLS: bytes on the wire, 22 more per 16 KiB record, so 0.13% more);
# empty without the meters (a baseline from before them, or a JVM that cannot count).
server_sample() {
  local allocated echoed size
  [ -n "${http_port[$1]:-}" ] || return 0
  allocated=$(meter "$1" echo.reactor.allocated)
  case "$2" in
    udp) echoed=$(meter "$1" echo.udp.datagrams.sent) ;;
    tls-handshakes) echoed=$(meter "$1" 'echo.tls.handshakes?tag=result:ok') ;;
    *)
      read -r _ size _ <<<"$(shape "$2")"
      echoed=$(meter "$1" echo.sent)
      [ -z "$echoed" ] || echoed=$(awk -v b="$echoed" -v s="$size" 'BEGIN { printf "%.0f", b / s }')
      ;;
  esac
  [ -n "$allocated" ] && [ -n "$echoed" ] && echo "$allocated $echoed"
  return 0
}

# Runs load client $6 (c, the default, or java) against server $1 with scenario $2 for $3 s after
# $4 s of warm-up; leaves the client's line in $work/load.out, and with $5 = measure the cores' busy
# shares (and for echo-reactor the reactor's allocation per message) in $sampled. Returns the
# client's exit status (137 when killed at its deadline).
load() {
  local name=$1 connections size depth status=0 before after b0 t0 b1 t1 b0_end t0_end b1_end t1_end client
  local which=${6:-c} target_port rate opening alloc_before="" alloc_after
  read -r connections size depth <<<"$(shape "$2")"
  rate=$(connect_rate "$2")
  opening=$(connect_seconds "$2")
  if ! kill -0 "${pid[$name]}" 2>/dev/null; then
    tail -n 40 "$work/$name.log" >&2
    fail "${label[$name]} is no longer running"
  fi
  case "$(protocol "$2")" in
    udp) target_port=${udp_port[$name]} ;;
    tls) target_port=${tls_port[$name]} ;;
    *) target_port=${port[$name]} ;;
  esac
  if [ "$which" = java ]; then
    client=("$JAVA" "${client_java_opts[@]}" -jar "$jar" bench --protocol "$(protocol "$2")" --threads 1 --json
      --connections "$connections" --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
    [ "$(protocol "$2")" = udp ] && client+=(--udp-timeout "$UDP_TIMEOUT")
    [ -n "$rate" ] && client+=(--connect-rate "$rate")
    case "$2" in
      tls-bulk) client+=(--ca "$tls_cert") ;;
      # The client would otherwise check the certificate chain on every handshake, work a server never does.
      tls-handshakes) client+=(--insecure --reconnect) ;;
    esac
    client+=("127.0.0.1:$target_port")
  elif [ "$(protocol "$2")" = udp ]; then
    client=("$bench_dir/udp-load" --port "$target_port" --flows "$connections" --timeout "$UDP_TIMEOUT"
      --host 127.0.0.1 --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
  else
    client=("$bench_dir/echo-load" --port "$target_port" --connections "$connections"
      --host 127.0.0.1 --size "$size" --depth "$depth" --duration "$3" --warmup "$4")
    [ -n "$rate" ] && client+=(--connect-rate "$rate")
  fi
  # The java client needs a second or so more to start its JVM.
  timeout -s KILL $(($3 + $4 + 30 + opening)) taskset -c 1 "${client[@]}" >"$work/load.out" 2>"$work/load.err" &
  load_pid=$!
  sampled=""
  if [ "${5:-}" = measure ]; then
    # Sampled inside the client's measured window: after its connections have opened (at the
    # connect rate, as planned) and its warm-up, ending just before its end.
    sleep "$(awk -v w="$4" -v o="$opening" 'BEGIN { print w + o + 0.2 }')"
    # Four Actuator requests in the window, answered by Tomcat on the server's own core: they
    # delay the echoes behind them by milliseconds, so by default only the last round asks.
    if [ "$ALLOC" = all ] || { [ "$ALLOC" = last ] && [ "$round" = "$RUNS" ]; }; then
      alloc_before=$(server_sample "$name" "$2")
    fi
    before=$(cpu_sample)
    sleep "$(awk -v d="$3" 'BEGIN { print (d > 1) ? d - 0.4 : d / 2 }')"
    after=$(cpu_sample)
    [ -z "$alloc_before" ] || alloc_after=$(server_sample "$name" "$2")
    read -r b0 t0 b1 t1 <<<"$before"
    read -r b0_end t0_end b1_end t1_end <<<"$after"
    sampled="cpu0_busy_pct=$(busy_pct "$b0" "$t0" "$b0_end" "$t0_end")"
    sampled+=" cpu1_busy_pct=$(busy_pct "$b1" "$t1" "$b1_end" "$t1_end")"
    if [ -n "$alloc_before" ] && [ -n "${alloc_after:-}" ]; then
      sampled+=$(awk -v before="$alloc_before" -v after="$alloc_after" 'BEGIN { split(before, b, " ");
        split(after, a, " "); if (a[2] + 0 > b[2] + 0) printf " alloc_per_msg=%.1f", (a[1] - b[1]) / (a[2] - b[2]) }')
    fi
  fi
  wait "$load_pid" || status=$?
  load_pid=""
  if [ "$which" = java ]; then
    json_to_line "$work/load.out" >"$work/load.line"
    mv "$work/load.line" "$work/load.out"
  fi
  return "$status"
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# Live heap bytes of JVM $1: GC.class_histogram runs a full collection first and counts what survives.
live_heap() {
  timeout 120 taskset -c 1 "$jcmd" "$1" GC.class_histogram 2>/dev/null | awk '$1 == "Total" { print $3 }' || true
}

# Starts echo-load holding $2 idle connections to server $1 (one echo each), its output in
# $work/$3.out; waits until it says they are all open and echoed. Adds its pid to $load_pid.
# Returns 1 if it ended or timed out first.
hold_idle() {
  local name=$1 connections=$2 out="$work/$3" size depth rate deadline holder
  read -r _ size depth <<<"$(shape idle)"
  rate=$(connect_rate idle)
  timeout -s KILL $((IDLE_HOLD + 30)) taskset -c 1 "$bench_dir/echo-load" --port "${port[$name]}" --host 127.0.0.1 \
    --connections "$connections" --size "$size" --depth "$depth" --connect-rate "$rate" --idle \
    --duration "$IDLE_HOLD" --warmup 0 >"$out.out" 2>"$out.err" &
  holder=$!
  load_pid="$load_pid $holder"
  deadline=$((SECONDS + (connections + rate - 1) / rate + 30))
  until grep -q '^idle connections=' "$out.out" 2>/dev/null; do
    if ! kill -0 "$holder" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 0.2
  done
}

# "rss_kb live_heap_b" of server $1 (the heap empty for a server that is no JVM).
weigh() {
  local heap=""
  [[ " ${jvm_servers[*]} " == *" $1 "* ]] && heap=$(live_heap "${pid[$1]}")
  echo "$(rss_kb "${pid[$1]}") $heap"
}

# Waits, up to 30 s, until JVM server $1's live heap stops shrinking: a JVM just started holds a few
# megabytes for a few seconds (start-up's caches and temporary objects) that would otherwise be
# weighed with the first connections and not with the rest.
settle() {
  [[ " ${jvm_servers[*]} " == *" $1 "* ]] || return 0
  local previous current tries=0
  previous=$(live_heap "${pid[$1]}")
  while [ "$tries" -lt 15 ]; do
    sleep 2
    current=$(live_heap "${pid[$1]}")
    [ -n "$previous" ] && [ -n "$current" ] && [ $((previous - current)) -lt 262144 ] && return 0
    previous=$current tries=$((tries + 1))
  done
  log "${label[$1]}'s live heap was still shrinking after 30 s; weighing it anyway"
}

# The idle scenario against a fresh instance of server $1, started for it beside the one that the
# other scenarios use, so that nothing an earlier scenario left (a grown heap, a selector's tables,
# connections still closing) is weighed: IDLE_BASE connections
# are opened and held, the server weighed; then the rest up to the scenario's 10,000, and weighed
# again. The difference over the second group is the cost of one more idle connection, without the
# fixed costs the first connections bring (code compiled for accepting, tables sized once). Leaves
# the second client's line (with connections= the total) plus the figures in $work/load.out and
# returns 1 if either client failed.
idle_load() {
  local name=$1 connections status=0 base full added holder figures rss_base heap_base rss_full heap_full
  read -r connections _ _ <<<"$(shape idle)"
  added=$((connections - IDLE_BASE))
  rm -f "$work"/idle-base.* "$work"/idle-added.*
  # A second instance, beside the warmed-up one that the other scenarios keep using.
  local kept_pid=${pid[$name]} kept_port=${port[$name]:-} kept_udp=${udp_port[$name]:-}
  local kept_tls=${tls_port[$name]:-} kept_http=${http_port[$name]:-} kept_protocols=${protocols[$name]}
  pid[$name-kept]=$kept_pid # stopped on exit like any other
  unset "port[$name]" "udp_port[$name]" "tls_port[$name]" "http_port[$name]"
  start_server "$name"
  load_pid=""
  settle "$name"
  if hold_idle "$name" "$IDLE_BASE" idle-base && base=$(weigh "$name") &&
    hold_idle "$name" "$added" idle-added && full=$(weigh "$name"); then
    read -r rss_base heap_base <<<"$base"
    read -r rss_full heap_full <<<"$full"
    figures="rss_before_kb=$rss_base rss_after_kb=$rss_full"
    figures+=" rss_per_conn_b=$(awk -v a="$rss_full" -v b="$rss_base" -v n="$added" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')"
    if [ -n "$heap_base" ] && [ -n "$heap_full" ]; then
      figures+=" heap_before_b=$heap_base heap_after_b=$heap_full"
      figures+=" heap_per_conn_b=$(awk -v a="$heap_full" -v b="$heap_base" -v n="$added" 'BEGIN { printf "%.0f", (a - b) / n }')"
    fi
  else
    status=1
  fi
  for holder in $load_pid; do kill -TERM "$holder" 2>/dev/null || true; done
  for holder in $load_pid; do wait "$holder" || status=$?; done
  load_pid=""
  stop_process "${pid[$name]}"
  unset "pid[$name-kept]"
  pid[$name]=$kept_pid port[$name]=$kept_port udp_port[$name]=$kept_udp tls_port[$name]=$kept_tls
  http_port[$name]=$kept_http protocols[$name]=$kept_protocols
  cat "$work/idle-base.err" "$work/idle-added.err" >"$work/load.err" 2>/dev/null || true
  # Each client's own line (its one echo per connection) is its last; "idle connections=N" came first.
  echo "$(grep -v '^idle connections=' "$work/idle-added.out" 2>/dev/null | head -n 1 |
    sed "s/connections=[0-9]*/connections=$connections/") ${figures:-}" >"$work/load.out"
  return "$status"
}

for server in "${servers[@]}"; do start_server "$server"; done

# Counted after the start, once echo-reactor@BASELINE_REF has said whether it serves UDP and TLS.
runs_total=0 warmups_total=0
for scenario in "${scenarios[@]}"; do
  read -ra scenario_client_list <<<"$(scenario_clients "$scenario")"
  # idle: a fresh server's start and settling, the connects, two heap counts with a full GC each,
  # and the drain.
  if [ "$scenario" = idle ]; then per_run=$(($(connect_seconds idle) + 35)); else
    per_run=$((DURATION + WARMUP + 1 + $(connect_seconds "$scenario"))); fi
  for server in "${servers[@]}"; do
    serves "$server" "$scenario" || continue
    runs_total=$((runs_total + RUNS * ${#scenario_client_list[@]} * per_run))
    if [[ " ${jvm_servers[*]} " == *" $server "* ]] && [ "$scenario" != idle ] && [ "$JVM_WARMUP" -gt 0 ]; then
      warmups_total=$((warmups_total + JVM_WARMUP + 1 + $(connect_seconds "$scenario")))
    fi
  done
done
total=$((runs_total + warmups_total))
log "about $((total / 60 + 1)) minutes of load; results in $results"

client_settings=""
$java_client && client_settings=" CLIENT_JAVA_OPTS=$CLIENT_JAVA_OPTS"
$tls && client_settings+=" TLS=TLSv1.3/$TLS_CIPHER"
{
  echo "# benchmarks/bench.sh $(date -Is) commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "# RUNS=$RUNS DURATION=$DURATION WARMUP=$WARMUP JVM_WARMUP=$JVM_WARMUP SCENARIOS=$SCENARIOS SERVERS=$SERVERS" \
    "BASELINE_REF=$BASELINE_REF JAVA=$JAVA JAVA_OPTS=$JAVA_OPTS${netty_classpath:+ NETTY_VERSION=$NETTY_VERSION}" \
    "UDP_TIMEOUT=${UDP_TIMEOUT}s CLIENTS=$CLIENTS$client_settings"
  echo "# $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), kernel $(uname -r)," \
    "ulimit -n $(ulimit -n)"
} >"$results"

failures=0
for server in "${jvm_servers[@]}"; do
  [ "$JVM_WARMUP" -gt 0 ] || break
  for scenario in "${scenarios[@]}"; do
    # Idle connections exercise nothing that the other scenarios' connects do not.
    [ "$scenario" != idle ] || continue
    serves "$server" "$scenario" || continue
    warmup_client=c
    [ "$(protocol "$scenario")" = tls ] && warmup_client=java
    log "warming up ${label[$server]}: $scenario for ${JVM_WARMUP} s (not counted)"
    if ! load "$server" "$scenario" "$JVM_WARMUP" 0 "" "$warmup_client"; then
      log "warm-up failed: $(cat "$work/load.out" "$work/load.err")"
      failures=$((failures + 1))
    fi
  done
done

for round in $(seq 1 "$RUNS"); do
  for scenario in "${scenarios[@]}"; do
    read -ra scenario_client_list <<<"$(scenario_clients "$scenario")"
    for server in "${servers[@]}"; do
      serves "$server" "$scenario" || continue
      for client in "${scenario_client_list[@]}"; do
        status=0 sampled=""
        if [ "$scenario" = idle ]; then
          idle_load "$server" || status=$?
        else
          load "$server" "$scenario" "$DURATION" "$WARMUP" measure "$client" || status=$?
        fi
        # client= only for the java client, so that a C-only run's lines stay as they were.
        line="round=$round scenario=$scenario server=${label[$server]}"
        [ "$client" = c ] || line+=" client=$client"
        line+=" $(head -n 1 "$work/load.out") $sampled status=$status"
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

# --- Tables --------------------------------------------------------------------------------------

rates=false
for scenario in "${scenarios[@]}"; do [ "$scenario" = idle ] || rates=true; done

order_scenarios=$(IFS=,; echo "${scenarios[*]}")
order_servers=$(for s in "${servers[@]}"; do printf '%s,' "${label[$s]}"; done)
awk_functions='
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
  function grouped(x,    s, r, sign) {
    s = sprintf("%.0f", x); r = ""; sign = ""
    if (substr(s, 1, 1) == "-") { sign = "-"; s = substr(s, 2) }
    while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
    return sign s r
  }
  function fields(    i, k) {
    delete f
    for (i = 1; i <= NF; i++) { k = index($i, "="); f[substr($i, 1, k - 1)] = substr($i, k + 1) }
  }
'
table=""
$rates && table=$(awk -v scenarios="$order_scenarios" -v servers="$order_servers" -v clients="$CLIENTS" "$awk_functions"'
  /^round=/ {
    fields()
    if (f["scenario"] == "idle") next
    client = ("client" in f) ? f["client"] : "c"
    # The TLS scenarios always run the java client: that alone makes no client column.
    if (client != "c" && f["scenario"] !~ /^tls-/) with_clients = 1
    key = f["scenario"] SUBSEP f["server"] SUBSEP client
    tried[key] = 1
    errors[key] += f["errors"]
    if (f["status"] != 0) next
    for (m in f) values[key, m] = values[key, m] " " f[m]
    runs[key]++
  }
  function ratio(x, reference) {
    return (reference > 0) ? sprintf("%.2f", x / reference) : "-"
  }
  # The rate of a run of scenario s: handshakes for tls-handshakes, messages otherwise.
  function rate_of(s) {
    return (s == "tls-handshakes") ? "handshakes_per_sec" : "messages_per_sec"
  }
  function median_rate(key, s) {
    return (key in runs) ? median(values[key, rate_of(s)]) : 0
  }
  # With the java client in the run, a client column and the ratio to the C client against the
  # same server; a C-only run prints the table it always had, with the columns added since.
  END {
    if (with_clients) {
      printf "| scenario | server | client | messages/s | MB/s | vs C | vs C client | spread | p50 µs | p99 µs |"
      print " p99.9 µs | lost, all runs | errors, all runs | server core busy | load core busy | alloc B/msg |"
      print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      empty = 13
    } else {
      printf "| scenario | server | messages/s | MB/s | vs C | spread | p50 µs | p99 µs | p99.9 µs | lost, all runs |"
      print " errors, all runs | server core busy | load core busy | alloc B/msg |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      empty = 12
    }
    ns = split(scenarios, sc, ","); nv = split(servers, sv, ",")
    for (i = 1; i <= ns; i++) {
      if (sc[i] == "idle") continue
      udp = (sc[i] == "udp"); tls = (sc[i] ~ /^tls-/)
      nc = split(tls ? "java" : clients, cv, ",")
      for (j = 1; j <= nv; j++) {
        if (sv[j] == "") continue
        for (l = 1; l <= nc; l++) {
          key = sc[i] SUBSEP sv[j] SUBSEP cv[l]
          label = with_clients ? sv[j] " | " cv[l] : sv[j]
          if (!(key in runs)) {
            if (key in tried) {
              printf "| %s | %s | no successful run |", sc[i], label
              for (e = 2; e <= empty; e++) printf "%s", (e == empty - 3) ? " " grouped(errors[key]) " |" : " |"
              print ""
            }
            continue
          }
          rate = rate_of(sc[i])
          mps = median(values[key, rate])
          # The C server of the protocol, and this server with the C client, each measured alike.
          # TLS: tls-bulk against echo-reactor plain bulk (with the java client when it ran bulk),
          # tls-handshakes against netty-tls.
          if (sc[i] == "tls-bulk") {
            reference = median_rate("bulk" SUBSEP "echo-reactor" SUBSEP "java", "bulk")
            if (reference == 0) reference = median_rate("bulk" SUBSEP "echo-reactor" SUBSEP "c", "bulk")
            versus = ratio(mps, reference) ((reference > 0) ? " (bulk)" : "")
          }
          else if (sc[i] == "tls-handshakes") {
            reference = median_rate(sc[i] SUBSEP "netty-tls" SUBSEP "java", sc[i])
            versus = ratio(mps, reference) ((reference > 0) ? " (netty-tls)" : "")
          }
          else {
            reference = median_rate(sc[i] SUBSEP (udp ? "c-udp" : "c-epoll") SUBSEP cv[l], sc[i])
            versus = ratio(mps, reference)
          }
          client_reference = tls ? 0 : median_rate(sc[i] SUBSEP sv[j] SUBSEP "c", sc[i])
          range = extreme(values[key, rate], 1) - extreme(values[key, rate], 0)
          spread = (mps > 0) ? 100 * range / 2 / mps : 0
          allocation = ((key, "alloc_per_msg") in values) ? sprintf("%.1f", median(values[key, "alloc_per_msg"])) : "-"
          printf "| %s | %s | %s | %.1f | %s |%s ±%.1f%% | %.0f | %.0f | %.0f | %s | %s | %.0f%% | %.0f%% | %s |\n",
            sc[i], label, grouped(mps), median(values[key, "mb_per_sec"]), versus,
            with_clients ? " " ratio(mps, client_reference) " |" : "", spread, median(values[key, "p50_us"]),
            median(values[key, "p99_us"]), median(values[key, "p999_us"]),
            udp ? grouped(sum(values[key, "lost"])) : "-", grouped(errors[key]), median(values[key, "cpu0_busy_pct"]),
            median(values[key, "cpu1_busy_pct"]), allocation
          if (sc[i] == "tls-handshakes") handshakes_row = 1
        }
      }
    }
    if (handshakes_row) print "\ntls-handshakes: the messages/s column holds handshakes/s (a new connection per message)."
  }' "$results")

# Memory per idle connection: its own table, as its figures are no rates.
idle_table=""
if [[ " ${scenarios[*]} " == *" idle "* ]]; then
  idle_table=$(awk -v servers="$order_servers" "$awk_functions"'
    /^round=/ {
      fields()
      if (f["scenario"] != "idle") next
      key = f["server"]
      tried[key] = 1
      errors[key] += f["errors"]
      if (f["status"] != 0 || !("rss_per_conn_b" in f)) next
      for (m in f) values[key, m] = values[key, m] " " f[m]
      runs[key]++
    }
    function mb(key, name) {
      return ((key, name) in values) ? sprintf("%.1f", median(values[key, name]) / 1048576) : "-"
    }
    END {
      print "| idle | server | connections | RSS at 1,000 MB | RSS at all MB | RSS B/conn | heap at 1,000 MB |" \
        " heap at all MB | heap B/conn | errors, all runs |"
      print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
      nv = split(servers, sv, ",")
      for (j = 1; j <= nv; j++) {
        key = sv[j]
        if (key == "" || !(key in tried)) continue
        if (!(key in runs)) {
          printf "| idle | %s | no successful run | | | | | | | %s |\n", key, grouped(errors[key])
          continue
        }
        heap = ((key, "heap_per_conn_b") in values) ? grouped(median(values[key, "heap_per_conn_b"])) : "-"
        printf "| idle | %s | %s | %.1f | %.1f | %s | %s | %s | %s | %s |\n", key,
          grouped(median(values[key, "connections"])), median(values[key, "rss_before_kb"]) / 1024,
          median(values[key, "rss_after_kb"]) / 1024, grouped(median(values[key, "rss_per_conn_b"])),
          mb(key, "heap_before_b"), mb(key, "heap_after_b"), heap, grouped(errors[key])
      }
    }' "$results")
fi

tables=$(for part in "$table" "$idle_table"; do [ -z "$part" ] || printf '\n%s\n' "$part"; done)
echo "$tables" >>"$results"
echo "${tables#$'\n'}"
log "raw runs and the tables: $results"
[ "$failures" -eq 0 ] || fail "$failures run(s) failed or saw wrong echoes; see $results"
rm -rf "$work" # the servers' logs, kept above when something failed
