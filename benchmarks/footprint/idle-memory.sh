#!/bin/sh
# Heap cost of an idle echo connection: builds the application, then runs
# benchmarks/footprint/IdleMemory.java, which starts the server as a child process on loopback ephemeral
# ports, opens N idle connections from its own (separate) process and compares
# `jcmd GC.class_histogram` before and after. See BENCHMARKS.md.
#
# Usage: benchmarks/footprint/idle-memory.sh [IdleMemory options, e.g. --counts 5000,9000 --runs 3]
# The JDK is $JAVA_HOME if set, else the java on PATH; it builds, runs the server and jcmd.
set -eu

cd "$(dirname "$0")/../.."
out=target/idle-memory
mkdir -p "$out"
rm -f "$out/server.pid" "$out"/histogram-*.txt "$out"/server-run-*.log

if [ -n "${JAVA_HOME:-}" ]; then
	java="$JAVA_HOME/bin/java"
else
	java=$(command -v java)
fi

./mvnw -B -q -DskipTests compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$out/classpath.txt"
classpath="target/classes:$(cat "$out/classpath.txt")"

driver=
cleanup() {
	# The driver destroys the server on every exit path of its own; this covers the driver
	# itself being killed.
	if [ -n "$driver" ]; then
		kill "$driver" 2>/dev/null || true
	fi
	if [ -f "$out/server.pid" ]; then
		kill "$(cat "$out/server.pid")" 2>/dev/null || true
		rm -f "$out/server.pid"
	fi
}
trap cleanup EXIT INT TERM

# Bounded in time: the driver has its own deadline (--timeout-seconds, default 600);
# timeout(1) is the backstop.
timeout -s TERM 900 "$java" benchmarks/footprint/IdleMemory.java --classpath "$classpath" --out "$out" "$@" &
driver=$!
status=0
wait "$driver" || status=$?
driver=
exit "$status"
