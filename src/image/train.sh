#!/bin/sh
# Trains the image's JDK AOT cache (JEP 483, 514, 515): starts the application with the ENTRYPOINT's own command
# line, -XX:AOTCache=FILE turned into -XX:AOTCacheOutput=FILE, runs TrainingWorkload against it (TCP and UDP echo,
# probes, scrapes), then stops it with SIGTERM, as the kubelet would; the JVM writes the cache as it exits. The
# Dockerfile runs this in the runtime stage, so that the cache comes from the same JRE, files and
# JAVA_TOOL_OPTIONS as the container's; benchmarks/footprint/startup.sh runs it on the host to reproduce the image.
#
# The training JVM sees TRAINING_MAX_RAM (384m, the chart's memory limit) as its memory, not the build machine's:
# on a machine with 64 GiB or more, half of it as heap would turn compressed object pointers off, and a cache made
# so would not match a pod's JVM, which then starts without it.
#
# Usage, in the application's directory: train.sh TRAINING_CLASSES ENTRYPOINT...
#   e.g. train.sh /training/classes java -XX:AOTCache=application.aot -jar echo-reactor.jar
# Environment: TRAINING_HTTP_PORT (8081), TRAINING_ECHO_PORT (7007), the ports the application binds meanwhile;
# TRAINING_MAX_RAM (384m).
set -eu

classes=$1
shift
http_port=${TRAINING_HTTP_PORT:-8081}
echo_port=${TRAINING_ECHO_PORT:-7007}
max_ram=${TRAINING_MAX_RAM:-384m}
java=$1
cache=
first=true
for arg do
	if [ "$first" = true ]; then
		set -- "$arg" "-XX:MaxRAM=$max_ram"
		first=false
		continue
	fi
	case $arg in
	-XX:AOTCache=*)
		cache=${arg#-XX:AOTCache=}
		arg=-XX:AOTCacheOutput=$cache
		;;
	esac
	set -- "$@" "$arg"
done
if [ -z "$cache" ]; then
	echo "train.sh: the command names no -XX:AOTCache=FILE: $*" >&2
	exit 2
fi

rm -f "$cache"
"$@" "--server.port=$http_port" "--echo.server.port=$echo_port" &
app=$!
status=0
"$java" -cp "$classes" TrainingWorkload "$http_port" "$echo_port" || status=$?
# The application may have exited already; the cache check below tells.
kill -TERM "$app" 2>/dev/null || true
wait "$app" || true
if [ "$status" -ne 0 ]; then
	echo "train.sh: the training workload failed (status $status)" >&2
	exit "$status"
fi
if [ ! -s "$cache" ]; then
	echo "train.sh: the JVM wrote no AOT cache to $cache" >&2
	exit 1
fi
echo "train.sh: $(wc -c <"$cache") bytes of AOT cache in $cache"
