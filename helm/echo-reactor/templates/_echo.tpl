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
JAVA_TOOL_OPTIONS: the heap sized from the container's memory limit, the direct memory cap, the processor count, the
image's own options, then any extra options. The image's ENV JAVA_TOOL_OPTIONS is this string with the default values.
*/}}
{{- define "echo-reactor.javaToolOptions" -}}
{{- $options := list (printf "-XX:MaxRAMPercentage=%v" .Values.jvm.maxRamPercentage) }}
{{- with .Values.jvm.maxDirectMemorySize }}
{{- $options = append $options (printf "-XX:MaxDirectMemorySize=%s" .) }}
{{- end }}
{{- with .Values.jvm.activeProcessorCount }}
{{- $options = append $options (printf "-XX:ActiveProcessorCount=%v" .) }}
{{- end }}
{{- with .Values.jvm.options }}
{{- $options = append $options . }}
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
The application.yml: the config block, less config.reload (the chart's), with the ports from containerPorts. The ports live in one place so that
the container ports, the probes and the Service cannot disagree with what the application binds. logging.format
other than text becomes Boot's logging.structured.format.console; text, Boot's default, writes nothing. The faults
value becomes echo.server.faults, checked first (_faults.tpl). The console values become echo.console, enabled
always written: the application's own default is on, the chart's off.
*/}}
{{- define "echo-reactor.applicationYaml" -}}
{{- $config := deepCopy (.Values.config | default dict) }}
{{- /* The chart's own switch, not a property of the application. */}}
{{- $_ := unset $config "reload" }}
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
{{- if hasKey (dig "logging" "structured" "format" dict $config) "console" }}
{{- fail "config.logging.structured.format.console is set from logging.format; set that instead" }}
{{- end }}
{{- if hasKey $echoServer "greeting" }}
{{- fail "config.echo.server.greeting is set from the greeting value; set that instead" }}
{{- end }}
{{- $ssl := dig "ssl" dict $echoServer }}
{{- range $key := list "bundle" "port" "client-auth" }}
{{- if and (kindIs "map" $ssl) (hasKey $ssl $key) }}
{{- fail (printf "config.echo.server.ssl.%s is set from the tls values (tls.enabled, tls.bundleName, containerPorts.tls, tls.clientAuth); set those instead" $key) }}
{{- end }}
{{- end }}
{{- if hasKey $echoServer "plain" }}
{{- fail "config.echo.server.plain is set from tls.plainEnabled; set that instead" }}
{{- end }}
{{- if hasKey $echoServer "proxy-protocol" }}
{{- fail "config.echo.server.proxy-protocol is set from the proxyProtocol values; set those instead" }}
{{- end }}
{{- include "echo-reactor.checkConsoleConfig" $config }}
{{- $echoPorts := dict "port" (int .Values.containerPorts.echo) }}
{{- if include "echo-reactor.udpEnabled" . }}
{{- $_ := set $echoPorts "udp" (dict "port" (int .Values.containerPorts.udp)) }}
{{- end }}
{{- $_ := set $echoPorts "greeting" (include "echo-reactor.greeting" .) }}
{{- include "echo-reactor.checkFaults" . }}
{{- if .Values.faults }}
{{- $_ := set $echoPorts "faults" (deepCopy .Values.faults) }}
{{- end }}
{{- $console := dict "enabled" .Values.console.enabled }}
{{- if not (kindIs "invalid" .Values.console.maxStreams) }}
{{- $_ := set $console "max-streams" (int .Values.console.maxStreams) }}
{{- end }}
{{- $ports := dict "echo" (dict "server" $echoPorts "console" $console) "server" (dict "port" (int .Values.containerPorts.http)) }}
{{- if .Values.tls.enabled }}
{{- $_ := set $echoPorts "ssl" (dict "bundle" .Values.tls.bundleName "port" (int .Values.containerPorts.tls) "client-auth" .Values.tls.clientAuth) }}
{{- $_ := set $echoPorts "plain" (dict "enabled" .Values.tls.plainEnabled) }}
{{- $_ := set $ports "spring" (dict "ssl" (dict "bundle" (dict "pem" (dict .Values.tls.bundleName (include "echo-reactor.pemBundle" . | fromYaml))))) }}
{{- end }}
{{- $logFormat := dig "format" "text" (.Values.logging | default dict) }}
{{- if ne $logFormat "text" }}
{{- $_ := set $ports "logging" (dict "structured" (dict "format" (dict "console" $logFormat))) }}
{{- end }}
{{- $proxy := include "echo-reactor.proxyProtocol" . | fromYaml }}
{{- if $proxy }}
{{- $_ := set $echoPorts "proxy-protocol" $proxy }}
{{- end }}
{{- toYaml (mustMergeOverwrite $config $ports) }}
{{- end }}

{{/*
Refuses any key of the config block under echo.console: the console values set those settings, and a key there would
be a second source for one of them. Boot binds echo.console.maxStreams, max_streams or a dotted key such as
"echo.console.enabled" as it binds echo.console.max-streams, so every key is compared as Boot compares names: its path
through the maps joined with dots, in lower case, without dashes and underscores.
*/}}
{{- define "echo-reactor.checkConsoleConfig" -}}
{{- range $path := include "echo-reactor.keyPaths" (dict "prefix" "" "map" .) | splitList "\n" }}
{{- $name := $path | lower | replace "-" "" | replace "_" "" }}
{{- if or (eq $name "echo.console") (hasPrefix "echo.console." $name) }}
{{- fail (printf "config.%s is set from the console values (console.enabled, console.maxStreams); set those instead" $path) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The paths of a map's leaves (an empty map counts as one), joined with dots, one a line. Called with
(dict "prefix" "" "map" $map).
*/}}
{{- define "echo-reactor.keyPaths" -}}
{{- range $key, $value := .map }}
{{- $path := ternary $key (printf "%s.%s" $.prefix $key) (eq $.prefix "") }}
{{- if and (kindIs "map" $value) (not (empty $value)) }}
{{ include "echo-reactor.keyPaths" (dict "prefix" $path "map" $value) }}
{{- else }}
{{ $path }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The PEM SSL bundle over the mounted Secret. reload-on-update makes Spring Boot watch the files: the kubelet updates
a Secret volume by pointing its ..data link at a new directory, and the bundle (and so new handshakes) follows.
Client certificates are checked against the Secret's ca.crt; without client-auth the bundle has no trust store.
*/}}
{{- define "echo-reactor.pemBundle" -}}
{{- $directory := .Values.tls.mountPath }}
reload-on-update: true
keystore:
  certificate: {{ printf "file:%s/tls.crt" $directory | quote }}
  private-key: {{ printf "file:%s/tls.key" $directory | quote }}
{{- if ne .Values.tls.clientAuth "none" }}
truststore:
  certificate: {{ printf "file:%s/ca.crt" $directory | quote }}
{{- end }}
{{- end }}

{{/*
"true" when the pods serve the plain echo port: always without TLS, and beside TLS unless tls.plainEnabled is false.
*/}}
{{- define "echo-reactor.plainEnabled" -}}
{{- if or (not .Values.tls.enabled) .Values.tls.plainEnabled }}true{{ end }}
{{- end }}

{{/*
The Secret the TLS volume mounts (and cert-manager writes): tls.existingSecret, else "<fullname>-tls". Fails when TLS
is on with neither a Secret nor cert-manager to make one.
*/}}
{{- define "echo-reactor.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else if .Values.tls.certManager.enabled }}
{{- printf "%s-tls" (include "echo-reactor.fullname" . | trunc 59 | trimSuffix "-") }}
{{- else }}
{{- fail "tls.enabled needs tls.existingSecret (a kubernetes.io/tls Secret) or tls.certManager.enabled" }}
{{- end }}
{{- end }}

{{/*
The names the cert-manager Certificate is issued for: tls.certManager.dnsNames, else every name of the Services
that carry the tls port, as a YAML list.
*/}}
{{- define "echo-reactor.tlsDnsNames" -}}
{{- if .Values.tls.certManager.dnsNames }}
{{- toYaml .Values.tls.certManager.dnsNames }}
{{- else }}
{{- $services := list (include "echo-reactor.fullname" .) }}
{{- if .Values.headlessService.enabled }}
{{- $services = append $services (printf "%s-headless" (include "echo-reactor.fullname" .)) }}
{{- end }}
{{- range $services }}
- {{ . }}
- {{ printf "%s.%s" . $.Release.Namespace }}
- {{ printf "%s.%s.svc" . $.Release.Namespace }}
- {{ printf "%s.%s.svc.%s" . $.Release.Namespace $.Values.tls.certManager.clusterDomain }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Checks the TLS values that the schema cannot: what each option needs.
*/}}
{{- define "echo-reactor.checkTls" -}}
{{- if and (not .Values.tls.enabled) (not .Values.tls.plainEnabled) }}
{{- fail "tls.plainEnabled=false serves TLS only, and needs tls.enabled" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.enabled) }}
{{- fail "tls.certManager.enabled issues the Secret that tls.enabled serves; set tls.enabled too" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.certManager.issuerRef.name) }}
{{- fail "tls.certManager.enabled needs tls.certManager.issuerRef.name: the Issuer or ClusterIssuer that signs the certificate" }}
{{- end }}
{{- if .Values.tls.enabled }}
{{- $_ := include "echo-reactor.tlsSecretName" . }}
{{- end }}
{{- $key := .Values.tls.certManager.privateKey }}
{{- $sizes := dict "RSA" (list 2048 4096 8192) "ECDSA" (list 256 384 521) }}
{{- if and .Values.tls.certManager.enabled (hasKey $sizes $key.algorithm) (not (has (int $key.size) (get $sizes $key.algorithm))) }}
{{- fail (printf "tls.certManager.privateKey.size %v does not fit algorithm %s: use one of %v" $key.size $key.algorithm (get $sizes $key.algorithm)) }}
{{- end }}
{{- end }}

{{/*
The chart's common labels without its selector labels, for objects that must not be taken for the echo pods.
*/}}
{{- define "echo-reactor.chartLabels" -}}
helm.sh/chart: {{ include "echo-reactor.chart" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Labels of the bench Job's pod. Not the chart's selector labels: the Services would otherwise send echo traffic to the
load client.
*/}}
{{- define "echo-reactor.benchSelectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-bench" (include "echo-reactor.name" .) | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: bench
{{- end }}

{{/*
HOST:PORT the bench Job loads: the Service name that carries the protocol's port, and that port.
*/}}
{{- define "echo-reactor.benchTarget" -}}
{{- $protocol := .Values.bench.protocol }}
{{- if eq $protocol "udp" }}
{{- if not (include "echo-reactor.udpEnabled" .) }}
{{- fail "bench.protocol=udp needs UDP on (config.echo.server.udp.enabled)" }}
{{- end }}
{{- printf "%s.%s.svc:%v" (include "echo-reactor.udpServiceName" .) .Release.Namespace .Values.service.udpPort }}
{{- else if eq $protocol "tls" }}
{{- if not .Values.tls.enabled }}
{{- fail "bench.protocol=tls needs tls.enabled" }}
{{- end }}
{{- printf "%s.%s.svc:%v" (include "echo-reactor.fullname" .) .Release.Namespace .Values.service.tlsPort }}
{{- else }}
{{- if not (include "echo-reactor.plainEnabled" .) }}
{{- fail "bench.protocol=tcp needs the plain echo port; with tls.plainEnabled=false use bench.protocol=tls" }}
{{- end }}
{{- printf "%s.%s.svc:%v" (include "echo-reactor.fullname" .) .Release.Namespace .Values.service.port }}
{{- end }}
{{- end }}

{{/*
Where the bench Job mounts the TLS Secret, for --ca.
*/}}
{{- define "echo-reactor.benchCaDirectory" -}}
/etc/echo-reactor/bench-ca
{{- end }}

{{/*
The bench Job's arguments, after the image's ENTRYPOINT: `bench`, the options from the bench values, and the target.
--json makes the summary one JSON object, the last line of the log. --greeting follows the server's greeting, which
the client would otherwise count as bytes it never sent.
*/}}
{{- define "echo-reactor.benchArgs" -}}
{{- $bench := .Values.bench }}
{{- /* Numbers from a values file are floats, which print as 1e+06 from a million on. */}}
{{- $number := dict }}
{{- range $key := list "connections" "size" "depth" "rate" "duration" "warmup" }}
{{- $value := get $bench $key }}
{{- $_ := set $number $key (ternary $value (toString (int64 $value)) (kindIs "string" $value)) }}
{{- end }}
{{- $args := list "bench" "--protocol" $bench.protocol "--connections" $number.connections "--size" $number.size }}
{{- if gt (int64 $bench.rate) 0 }}
{{- $args = concat $args (list "--rate" $number.rate) }}
{{- else }}
{{- $args = concat $args (list "--depth" $number.depth) }}
{{- end }}
{{- $args = concat $args (list "--duration" $number.duration "--warmup" $number.warmup) }}
{{- with $bench.threads }}
{{- $args = concat $args (list "--threads" (toString (int64 .))) }}
{{- end }}
{{- if ne $bench.protocol "udp" }}
{{- if ne (include "echo-reactor.greeting" .) "off" }}
{{- $args = append $args "--greeting" }}
{{- end }}
{{- with $bench.proxyProtocol }}
{{- $args = concat $args (list "--proxy-protocol" .) }}
{{- end }}
{{- end }}
{{- if eq $bench.protocol "tls" }}
{{- if eq $bench.tlsTrust "ca" }}
{{- $args = concat $args (list "--ca" (printf "%s/ca.crt" (include "echo-reactor.benchCaDirectory" .))) }}
{{- else if eq $bench.tlsTrust "insecure" }}
{{- $args = append $args "--insecure" }}
{{- end }}
{{- end }}
{{- $args = append $args "--json" }}
{{- $args = concat $args $bench.extraArgs }}
{{- $args = append $args (include "echo-reactor.benchTarget" .) }}
{{- toYaml $args }}
{{- end }}

{{/*
The proxy-protocol block of the application.yml, empty while the mode is off. A header from an untrusted source would
let any client name any address, so a mode other than off needs trusted sources, and none may be a range of every
address.

The application checks each source at start-up; the chart refuses at install what it can see in the text. A number
with a leading zero (010.0.0.1, 10.0.0.0/08) reads as octal to some parsers, and 0.0.0.0/00 is /0 in disguise, so the
prefix is checked as a number, not as the string "/0". Every IPv4 address is also ::ffff:0:0/96 in its IPv4-mapped
IPv6 form: an address written ::ffff:... with a prefix of 96 or less holds all of them. Wider IPv6 ranges that hold
that block without saying so (::/1 to ::/80) are left to the application, which refuses them at start-up.
*/}}
{{- define "echo-reactor.proxyProtocol" -}}
{{- $mode := .Values.proxyProtocol.mode | default "off" }}
{{- if ne $mode "off" }}
{{- if not .Values.proxyProtocol.trustedSources }}
{{- fail (printf "proxyProtocol.mode=%s needs proxyProtocol.trustedSources: the addresses of your load balancers, and nothing else" $mode) }}
{{- end }}
{{- range $index, $source := .Values.proxyProtocol.trustedSources }}
{{- $text := toString $source | trim }}
{{- $address := regexReplaceAll "/.*$" $text "" }}
{{- $prefix := "" }}
{{- if contains "/" $text }}
{{- $prefix = regexReplaceAll "^[^/]*/" $text "" }}
{{- end }}
{{- if or (regexMatch "(^|[.:])0[0-9]+[.]|[.]0[0-9]+([.]|$)" $address) (and (contains "/" $text) (not (regexMatch "^[0-9]+$" $prefix))) (regexMatch "^0[0-9]" $prefix) }}
{{- fail (printf "proxyProtocol.trustedSources[%d]=%s is no address or CIDR range: write its decimal numbers without leading zeros (not 010.0.0.1 or 10.0.0.0/08), which some parsers read as octal" $index $text) }}
{{- end }}
{{- if or (and $prefix (eq (atoi $prefix) 0)) (and $prefix (le (atoi $prefix) 96) (regexMatch "^(::|(0{1,4}:){5})ffff:" (lower $address))) }}
{{- fail (printf "proxyProtocol.trustedSources[%d]=%s holds every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, ::ffff:0:0/96): trusting headers from every address lets any client forge its address; list only your load balancers" $index $text) }}
{{- end }}
{{- end }}
mode: {{ $mode }}
trusted-sources:
  {{- toYaml .Values.proxyProtocol.trustedSources | nindent 2 }}
header-timeout: {{ .Values.proxyProtocol.headerTimeout }}
{{- end }}
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
