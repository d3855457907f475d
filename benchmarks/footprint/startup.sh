#!/usr/bin/env bash
# Start-up time and footprint at rest: how long from launching the JVM until /actuator/health/readiness says UP,
# and the RSS and threads 60 s later with no traffic, for each way of starting the service. See BENCHMARKS.md,
# "Start-up and footprint".
#
#   benchmarks/footprint/startup.sh                     # every variant, 5 rounds
#   RUNS=3 benchmarks/footprint/startup.sh image jar-25 # some variants
#   BEFORE_JAR=/tmp/before/echo-reactor-0.1.0.jar benchmarks/footprint/startup.sh  # the "before" variants from
#                                                       # another build
#   BEFORE_JAR=/tmp/before/echo-reactor-0.1.0.jar RUNS=3 benchmarks/footprint/startup.sh image-before image
#
# Variants:
#   jar-17-plain  java -jar on JDK 17 with no options at all: the host's ergonomics (24 GiB, G1), the issue's
#                 "java -jar" figure. Uses BEFORE_JAR when set.
#   launcher-17   the former image, reproduced: JDK 17, the jar extracted with its launcher, started by
#                 org.springframework.boot.loader.launch.JarLauncher with the former JAVA_TOOL_OPTIONS and the
#                 former memory limit (512Mi). Uses BEFORE_JAR when set.
#   jar-17        java -jar on JDK 17 with the image's JAVA_TOOL_OPTIONS and the pod's limits emulated.
#   jar-17-no-spring-aot  the same without Spring AOT (-Dspring.aot.enabled=true left out).
#   jar-17-no-autobox     the same without -XX:AutoBoxCacheMax.
#   jar-25        java -jar of the packed jar on Temurin 25, as jar-17.
#   image         the Dockerfile reproduced on the host with Temurin 25: the jar extracted as the build stage does,
#                 the AOT cache trained by src/image/train.sh as the runtime stage does, then the ENTRYPOINT and
#                 JAVA_TOOL_OPTIONS read from the Dockerfile.
#   image-no-cache        the same files and options, the ENTRYPOINT without -XX:AOTCache.
#   image-no-spring-aot   the image without Spring AOT, with an AOT cache trained that way.
#   image-glibc-default   the image without its MALLOC_* environment.
#   image-before  the image as the image variant, built from BEFORE_JAR (with this checkout's Dockerfile and
#                 training workload): the same image before and after a change to the application, interleaved.
# Every variant but jar-17-plain runs with the pod's limits emulated, since no container engine runs here:
# -XX:MaxRAM set to the chart's memory limit (resources.limits.memory in values.yaml) and
# -XX:ActiveProcessorCount=$CPUS (the chart sets no CPU limit; 2 is this machine and a small node). A JVM in a
# container of that size picks the Serial collector by itself (less than 1792 MB); on the host it would pick
# G1, so -XX:+UseSerialGC is added where the options choose no collector.
#
# The rounds are interleaved (every variant once per round), so drift on a shared machine hits all alike, and the
# load average is recorded with each run. With PRIORITY set (e.g. -15) each JVM runs in a session and scheduler
# autogroup of its own at that nice value, so that other work on the machine takes less from it; off by default,
# since it takes that time from everyone else's work.
#
# Environment: RUNS (5), REST (60, seconds at rest before RSS and threads are read), JAVA17 (java), JAVA25
# (/usr/lib/jvm/temurin-25-jdk-amd64/bin/java), JAR (target/echo-reactor-*.jar, built if missing), BEFORE_JAR,
# CPUS (2), PRIORITY (unset), OUT (target/startup).
set -euo pipefail

RUNS=${RUNS:-5}
REST=${REST:-60}
JAVA17=${JAVA17:-java}
JAVA25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
CPUS=${CPUS:-2}
PRIORITY=${PRIORITY:-}
# The JAVA_TOOL_OPTIONS of the chart and the image before this benchmark's changes (launcher-17).
FORMER_JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=96m -XX:+ExitOnOutOfMemoryError"
# ... and its memory limit.
FORMER_MAX_RAM=512m

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${OUT:-target/startup}
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() { echo "startup: $*" >&2; exit 1; }
log() { echo "startup: $*" >&2; }

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(jar-17-plain launcher-17 jar-17 jar-17-no-spring-aot jar-17-no-autobox jar-25 \
  image image-no-cache image-no-spring-aot image-glibc-default)

jar=${JAR:-$(ls target/echo-reactor-*.jar 2>/dev/null | head -1 || true)}
if [ -z "$jar" ]; then
  ./mvnw -B -q -DskipTests package
  jar=$(ls target/echo-reactor-*.jar | head -1)
fi
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
before_jar=${BEFORE_JAR:-$jar}
[ -f "$before_jar" ] || fail "no jar at $before_jar"

# The pod's memory limit from the chart's values (Mi or Gi).
limit=$(awk '/^resources:/ { r = 1 } r && /^  limits:/ { l = 1 } r && l && /memory:/ { print $2; exit }' \
  helm/echo-reactor/values.yaml)
case "$limit" in
  *Mi) max_ram="${limit%Mi}m" ;;
  *Gi) max_ram="${limit%Gi}g" ;;
  *) fail "cannot read resources.limits.memory from values.yaml ('$limit')" ;;
esac
limits=(-XX:MaxRAM="$max_ram" -XX:ActiveProcessorCount="$CPUS")

# The Dockerfile as its instructions, continuation lines joined.
dockerfile=$(sed -e ':a' -e '/\\$/N; s/\\\n */ /; ta' Dockerfile)
# What the Dockerfile says: the last stage's ENV lines (NAME=VALUE or NAME="VALUE") and its ENTRYPOINT (exec form).
image_env=()
while IFS= read -r assignment; do
  image_env+=("$assignment")
done < <(echo "$dockerfile" | sed -n 's/^ENV \([A-Za-z_][A-Za-z0-9_]*\)="\{0,1\}\([^"]*\)"\{0,1\}$/\1=\2/p')
image_java_tool_options=
for assignment in "${image_env[@]}"; do
  [[ $assignment == JAVA_TOOL_OPTIONS=* ]] && image_java_tool_options=${assignment#JAVA_TOOL_OPTIONS=}
done
[ -n "$image_java_tool_options" ] || fail "no ENV JAVA_TOOL_OPTIONS=\"...\" in the Dockerfile"
entrypoint_json=$(echo "$dockerfile" | sed -n 's/^ENTRYPOINT \(\[.*\]\)$/\1/p' | tail -1)
mapfile -t entrypoint < <(echo "$entrypoint_json" | tr -d '[]' | tr ',' '\n' | sed 's/^ *"//; s/" *$//')
[ "${entrypoint[0]:-}" = java ] || fail "the Dockerfile's ENTRYPOINT does not start with java: $entrypoint_json"

# The image's environment as NAME=VALUE lines, JAVA_TOOL_OPTIONS with the container's collector (see with_gc);
# given "no-spring-aot" without Spring AOT, "no-autobox" without -XX:AutoBoxCacheMax, "glibc-default" without the
# MALLOC_* settings.
image_env_lines() {
  local assignment options
  for assignment in "${image_env[@]}"; do
    if [[ $assignment == JAVA_TOOL_OPTIONS=* ]]; then
      options=$(with_gc "${assignment#JAVA_TOOL_OPTIONS=}")
      [ "${1:-}" != no-spring-aot ] || options=$(echo "$options" | sed 's/ *-Dspring\.aot\.enabled=true//')
      [ "${1:-}" != no-autobox ] || options=$(echo "$options" | sed 's/ *-XX:AutoBoxCacheMax=[0-9]*//')
      printf '%s\n' "JAVA_TOOL_OPTIONS=$options"
    elif [[ "${1:-}" != glibc-default || $assignment != MALLOC_* ]]; then
      printf '%s\n' "$assignment"
    fi
  done
}

# The same as driver options.
image_env_args() {
  local assignment
  while IFS= read -r assignment; do
    printf '%s\n' --env "$assignment"
  done < <(image_env_lines "$@")
}

# The ENTRYPOINT's arguments after java, given "no-cache" without -XX:AOTCache.
entrypoint_args() {
  local arg
  for arg in "${entrypoint[@]:1}"; do
    [[ "${1:-}" == no-cache && $arg == -XX:AOTCache=* ]] || printf '%s\n' "$arg"
  done
}

# The container's ergonomics: Serial below 1792 MB unless the options choose.
with_gc() {
  if [[ $1 =~ -XX:\+Use[A-Za-z]+GC ]]; then echo "$1"; else echo "$1 -XX:+UseSerialGC"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

prepare_launcher() {
  local dir=$out/launcher-17 extracted=$out/launcher-17.extracted
  rm -rf "$dir" "$extracted"
  "$JAVA17" -Djarmode=tools -jar "$before_jar" extract --layers --launcher --destination "$extracted" >/dev/null
  mkdir -p "$dir"
  for layer in dependencies spring-boot-loader snapshot-dependencies application; do
    cp -a "$extracted/$layer/." "$dir/"
  done
}

# The Dockerfile's build stage (extract, compile the training workload) and its runtime stage (the layers in
# /application, then train.sh), with Temurin 25 as both the JDK and the JRE, into $out/NAME; "no-spring-aot" as the
# second argument trains without Spring AOT; a third argument names another jar than JAR.
prepare_image() {
  local name=$1 spring_aot=${2:-} image_jar=${3:-$jar}
  local dir=$out/$name extracted=$out/$name.extracted classes=$out/$name.training
  rm -rf "$dir" "$extracted" "$classes"
  local extract
  extract=$(echo "$dockerfile" | sed -n 's/.*java -Djarmode=tools -jar application.jar \(extract [^&]*\).*/\1/p' | head -1)
  [ -n "$extract" ] || fail "no 'java -Djarmode=tools -jar application.jar extract ...' in the Dockerfile"
  extract=${extract//--destination extracted/--destination $extracted}
  # shellcheck disable=SC2086
  "$JAVA25" -Djarmode=tools -jar "$image_jar" $extract >/dev/null
  "$(dirname "$JAVA25")/javac" -d "$classes" src/image/TrainingWorkload.java
  mkdir -p "$dir"
  for layer in dependencies spring-boot-loader snapshot-dependencies application; do
    cp -a "$extracted/$layer/." "$dir/"
  done
  printf '%s\n' "${entrypoint[@]}" | grep -q '^-XX:AOTCache=' || fail "the ENTRYPOINT names no -XX:AOTCache=...: $entrypoint_json"
  log "training the AOT cache in $dir (as the Dockerfile's RUN does)"
  local env_assignments=()
  mapfile -t env_assignments < <(image_env_lines "$spring_aot")
  (cd "$dir" && env "${env_assignments[@]}" TRAINING_HTTP_PORT="$(free_port)" TRAINING_ECHO_PORT="$(free_port)" \
    TRAINING_MAX_RAM="$max_ram" sh "$root/src/image/train.sh" "$classes" "$JAVA25" "${entrypoint[@]:1}") \
    > "$out/$name-training.log" 2>&1 || fail "training failed; see $out/$name-training.log"
  tail -1 "$out/$name-training.log" >&2
}

# Prints the driver's arguments for one variant: label, directory, environment, then -- and the command.
variant_args() {
  case "$1" in
    jar-17-plain) printf '%s\n' --dir "$out" -- "$JAVA17" -jar "$before_jar" ;;
    launcher-17)
      printf '%s\n' --dir "$out/launcher-17" --env "JAVA_TOOL_OPTIONS=$(with_gc "$FORMER_JAVA_TOOL_OPTIONS")" \
        -- "$JAVA17" -XX:MaxRAM="$FORMER_MAX_RAM" -XX:ActiveProcessorCount="$CPUS" \
        org.springframework.boot.loader.launch.JarLauncher ;;
    jar-17)
      printf '%s\n' --dir "$out"
      image_env_args
      printf '%s\n' -- "$JAVA17" "${limits[@]}" -jar "$jar" ;;
    jar-17-no-spring-aot | jar-17-no-autobox)
      printf '%s\n' --dir "$out"
      image_env_args "${1#jar-17-}"
      printf '%s\n' -- "$JAVA17" "${limits[@]}" -jar "$jar" ;;
    jar-25)
      printf '%s\n' --dir "$out"
      image_env_args
      printf '%s\n' -- "$JAVA25" "${limits[@]}" -jar "$jar" ;;
    image | image-before)
      printf '%s\n' --dir "$out/$1"
      image_env_args
      printf '%s\n' -- "$JAVA25" "${limits[@]}"
      entrypoint_args ;;
    image-no-cache)
      printf '%s\n' --dir "$out/image"
      image_env_args
      printf '%s\n' -- "$JAVA25" "${limits[@]}"
      entrypoint_args no-cache ;;
    image-glibc-default)
      printf '%s\n' --dir "$out/image"
      image_env_args glibc-default
      printf '%s\n' -- "$JAVA25" "${limits[@]}"
      entrypoint_args ;;
    image-no-spring-aot)
      printf '%s\n' --dir "$out/image-no-spring-aot"
      image_env_args no-spring-aot
      printf '%s\n' -- "$JAVA25" "${limits[@]}"
      entrypoint_args ;;
    *) fail "unknown variant $1" ;;
  esac
}

for variant in "${variants[@]}"; do
  case "$variant" in
    launcher-17) prepare_launcher ;;
    image) prepare_image image ;;
    image-before) prepare_image image-before "" "$before_jar" ;;
    image-no-cache | image-glibc-default) [[ " ${variants[*]} " == *" image "* ]] || prepare_image image ;;
    image-no-spring-aot) prepare_image image-no-spring-aot no-spring-aot ;;
  esac
done

raw=$out/runs-$(date +%Y%m%d-%H%M%S).tsv
log "JVMs: $("$JAVA17" -version 2>&1 | sed -n 2p); $("$JAVA25" -version 2>&1 | sed -n 2p)"
log "pod limits emulated: ${limits[*]}; image JAVA_TOOL_OPTIONS: $image_java_tool_options"
log "ENTRYPOINT: ${entrypoint[*]}; $RUNS rounds of ${variants[*]}, $REST s at rest each; raw runs in $raw"
priority_prefix=()
if [ -n "$PRIORITY" ]; then
  # shellcheck disable=SC2016
  priority_prefix=(setsid bash -c "echo $PRIORITY > /proc/\$\$/autogroup && exec \"\$@\"" sh)
fi
for round in $(seq 1 "$RUNS"); do
  for variant in "${variants[@]}"; do
    mapfile -t args < <(variant_args "$variant")
    command_start=0
    for i in "${!args[@]}"; do [ "${args[$i]}" = -- ] && { command_start=$i; break; }; done
    # The autogroup wrapper goes between -- and the command.
    timeout $((REST + 300)) "$JAVA17" benchmarks/footprint/StartupFootprint.java --label "$variant" --runs 1 \
      --first-run "$round" --rest-seconds "$REST" --log-dir "$out" --jcmd "$(dirname "$JAVA25")/jcmd" --raw "$raw" \
      "${args[@]:0:$command_start}" -- "${priority_prefix[@]}" "${args[@]:$((command_start + 1))}" \
      || fail "$variant failed in round $round; see $out/$variant-$round.log"
  done
done
"$JAVA17" benchmarks/footprint/StartupFootprint.java --summarize "$raw"
