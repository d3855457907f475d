{{/*
How a change of the application.yml reaches the pods: config.reload.
*/}}

{{/*
The echo.server settings the application applies without a restart: those marked @Applied(LIVE) in
EchoServerProperties, by the names of the configuration reference (docs/configuration.md). A test holds this list to
the marks, naming a setting missing here or one here that is no longer live.
*/}}
{{- define "echo-reactor.liveSettings" -}}
- echo.server.read-budget
- echo.server.write-buffer-high-water-mark
- echo.server.write-buffer-low-water-mark
- echo.server.idle-timeout
- echo.server.max-connections
- echo.server.max-connections-per-address
- echo.server.max-pending-output
- echo.server.max-session-memory
- echo.server.write-timeout
- echo.server.max-connection-age
- echo.server.max-connection-age-jitter
- echo.server.greeting
- echo.server.socket.tcp-no-delay
- echo.server.socket.keep-alive
- echo.server.socket.keep-alive-idle
- echo.server.socket.keep-alive-interval
- echo.server.socket.keep-alive-count
- echo.server.udp.rate-limit-per-source
- echo.server.udp.max-tracked-sources
- echo.server.udp.receive-budget
- echo.server.ssl.handshake-timeout
- echo.server.ssl.client-auth
- echo.server.proxy-protocol.mode
- echo.server.proxy-protocol.trusted-sources
- echo.server.proxy-protocol.header-timeout
{{- end }}

{{/*
config.reload: "live" (the default) or "restart".
*/}}
{{- define "echo-reactor.configReload" -}}
{{- dig "reload" "live" (.Values.config | default dict) }}
{{- end }}

{{/*
The checksum that rolls the pods when it changes. restart: the whole ConfigMap, so any change rolls. live: the
application.yml without what the pods apply themselves, the live echo.server settings and logging.level (Spring
Cloud's refresh sets log levels). The live keys are taken out, rather than the restart keys kept, so that a key the
chart does not know (a new setting, a misspelt one, a camelCase spelling) still rolls the pods. Maps left empty go
too, so that a live key set and then removed again leaves what it found.
*/}}
{{- define "echo-reactor.configChecksum" -}}
{{- if eq (include "echo-reactor.configReload" .) "restart" }}
{{- include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
{{- else }}
{{- $yaml := include "echo-reactor.applicationYaml" . | fromYaml }}
{{- $live := append (include "echo-reactor.liveSettings" . | fromYamlArray) "logging.level" }}
{{- range $name := $live }}
{{- $segments := splitList "." $name }}
{{- $maps := list $yaml }}
{{- $current := $yaml }}
{{- range $segment := initial $segments }}
{{- if and (kindIs "map" $current) (hasKey $current $segment) }}
{{- $current = get $current $segment }}
{{- else }}
{{- $current = "" }}
{{- end }}
{{- $maps = append $maps $current }}
{{- end }}
{{- if kindIs "map" $current }}
{{- $_ := unset $current (last $segments) }}
{{- range $index := untilStep (len (initial $segments)) 0 -1 }}
{{- $map := index $maps $index }}
{{- if and (kindIs "map" $map) (empty $map) }}
{{- $_ := unset (index $maps (sub $index 1)) (index $segments (sub $index 1)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toYaml $yaml | sha256sum }}
{{- end }}
{{- end }}
