{{/*
Helpers of this chart beyond the scaffold's _helpers.tpl.
*/}}

{{/*
The image reference: the digest pins it when set, else the tag, else the chart's appVersion.
*/}}
{{- define "echo-reactor.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Where the ConfigMap's application.yml is mounted, and the argument that makes Spring Boot read it. The image's
CMD (Dockerfile) carries the same argument, so the container starts alike with and without the chart.
*/}}
{{- define "echo-reactor.configDir" -}}
/config
{{- end }}

{{- define "echo-reactor.args" -}}
- --spring.config.additional-location=optional:file:{{ include "echo-reactor.configDir" . }}/
{{- with .Values.extraArgs }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
JAVA_TOOL_OPTIONS: the heap sized from the container's memory limit, the direct memory cap, then any extra options.
*/}}
{{- define "echo-reactor.javaToolOptions" -}}
{{- $options := list (printf "-XX:MaxRAMPercentage=%v" .Values.jvm.maxRamPercentage) }}
{{- with .Values.jvm.maxDirectMemorySize }}
{{- $options = append $options (printf "-XX:MaxDirectMemorySize=%s" .) }}
{{- end }}
{{- with .Values.jvm.extraOptions }}
{{- $options = append $options . }}
{{- end }}
{{- join " " $options }}
{{- end }}

{{/*
"true" when the pods serve UDP echo (config.echo.server.udp.enabled, true unless set to false), else empty. Every
UDP port (container, Services, NetworkPolicy), the UDP part of helm test and the UDP alerts follow it.
*/}}
{{- define "echo-reactor.udpEnabled" -}}
{{- $udp := dig "echo" "server" "udp" dict (.Values.config | default dict) }}
{{- $enabled := true }}
{{- if kindIs "map" $udp }}
{{- if hasKey $udp "enabled" }}
{{- $enabled = get $udp "enabled" }}
{{- end }}
{{- end }}
{{- if $enabled }}true{{ end }}
{{- end }}

{{/*
The name of the Service that carries the UDP port: the main Service, or "<fullname>-udp" with
service.udpSeparateService.
*/}}
{{- define "echo-reactor.udpServiceName" -}}
{{- if .Values.service.udpSeparateService }}
{{- printf "%s-udp" (include "echo-reactor.fullname" . | trunc 59 | trimSuffix "-") }}
{{- else }}
{{- include "echo-reactor.fullname" . }}
{{- end }}
{{- end }}

{{/*
The application.yml: the config block with the ports from containerPorts. The ports live in one place so that
the container ports, the probes and the Service cannot disagree with what the application binds.
*/}}
{{- define "echo-reactor.applicationYaml" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- $echoServer := dig "echo" "server" dict $config }}
{{- if hasKey $echoServer "port" }}
{{- fail "config.echo.server.port is set from containerPorts.echo; set that instead" }}
{{- end }}
{{- $udp := dig "udp" dict $echoServer }}
{{- if and (kindIs "map" $udp) (hasKey $udp "port") }}
{{- fail "config.echo.server.udp.port is set from containerPorts.udp; set that instead" }}
{{- end }}
{{- if hasKey (dig "server" dict $config) "port" }}
{{- fail "config.server.port is set from containerPorts.http; set that instead" }}
{{- end }}
{{- if hasKey (dig "management" "server" dict $config) "port" }}
{{- fail "config.management.server.port is not supported: the probes and the metrics use containerPorts.http" }}
{{- end }}
{{- if hasKey $echoServer "greeting" }}
{{- fail "config.echo.server.greeting is set from the greeting value; set that instead" }}
{{- end }}
{{- $echoPorts := dict "port" (int .Values.containerPorts.echo) }}
{{- if include "echo-reactor.udpEnabled" . }}
{{- $_ := set $echoPorts "udp" (dict "port" (int .Values.containerPorts.udp)) }}
{{- end }}
{{- $_ := set $echoPorts "greeting" (include "echo-reactor.greeting" .) }}
{{- $ports := dict "echo" (dict "server" $echoPorts) "server" (dict "port" (int .Values.containerPorts.http)) }}
{{- toYaml (mustMergeOverwrite $config $ports) }}
{{- end }}

{{/*
The greeting mode, off, text or json. An unquoted off in a values file reads as false, which means off too.
*/}}
{{- define "echo-reactor.greeting" -}}
{{- .Values.greeting | default "off" }}
{{- end }}

{{/*
A duration setting of the config block in nanoseconds. Understands Boot's simple duration form (10s, 500ms, 2m, a
bare number of milliseconds). Called with (dict "config" .Values.config "path" (list ...) "default" "10s").
*/}}
{{- define "echo-reactor.durationNanos" -}}
{{- $value := .default }}
{{- $current := .config | default dict }}
{{- range $index, $key := .path }}
{{- if and (kindIs "map" $current) (hasKey $current $key) }}
{{- $current = get $current $key }}
{{- if eq (add1 $index) (len $.path) }}
{{- $value = $current }}
{{- end }}
{{- else }}
{{- $current = dict }}
{{- end }}
{{- end }}
{{- $text := $value | toString | trim | lower }}
{{- if not (regexMatch "^[0-9]+(ns|us|ms|s|m|h|d)?$" $text) }}
{{- fail (printf "config.%s %q: write it as a number with a unit such as 10s, 500ms or 1m" (join "." .path) $text) }}
{{- end }}
{{- $amount := regexFind "^[0-9]+" $text | int64 }}
{{- $unit := regexReplaceAll "^[0-9]+" $text "" }}
{{- $nanosPerUnit := dict "ns" 1 "us" 1000 "ms" 1000000 "" 1000000 "s" 1000000000 "m" 60000000000 "h" 3600000000000 "d" 86400000000000 }}
{{- mul $amount (get $nanosPerUnit $unit) }}
{{- end }}

{{/*
Fails the render when the pod could be killed before its drain ends: the grace period must cover the preStop
pause, the echo drain (shutdown-timeout) and a margin for the drain's final flush (up to 1 s) and the HTTP
server's and the JVM's stop. The drain must also fit in Spring's shutdown phase, as the application checks at
start-up.
*/}}
{{- define "echo-reactor.checkGracePeriod" -}}
{{- $second := 1000000000 }}
{{- $shutdownNanos := include "echo-reactor.durationNanos" (dict "config" .Values.config "path" (list "echo" "server" "shutdown-timeout") "default" "10s") | int64 }}
{{- $phaseNanos := include "echo-reactor.durationNanos" (dict "config" .Values.config "path" (list "spring" "lifecycle" "timeout-per-shutdown-phase") "default" "30s") | int64 }}
{{- $shutdown := div (add $shutdownNanos (sub $second 1)) $second }}
{{- $needed := add (.Values.preStop.sleepSeconds | int64) $shutdown 5 }}
{{- if le (.Values.terminationGracePeriodSeconds | int64) $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be greater than preStop.sleepSeconds (%v) + config.echo.server.shutdown-timeout (%vs) + 5s margin = %vs" .Values.terminationGracePeriodSeconds .Values.preStop.sleepSeconds $shutdown $needed) }}
{{- end }}
{{- if gt (add $shutdownNanos $second) $phaseNanos }}
{{- fail (printf "config.echo.server.shutdown-timeout (%vs) plus 1s for the final flush must fit in config.spring.lifecycle.timeout-per-shutdown-phase (%vs); raise that too" $shutdown (div $phaseNanos $second)) }}
{{- end }}
{{- end }}
