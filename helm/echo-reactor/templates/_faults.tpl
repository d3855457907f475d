{{/*
Fault profiles (the faults value): each on a port of its own, TCP always, and UDP on the same number when the profile
sets a udp-* knob. The pods, the Services and the NetworkPolicy list these ports beside the echo ports.
*/}}

{{/*
"true" when the profile (a faults entry) serves UDP as well, else empty.
*/}}
{{- define "echo-reactor.faultUdp" -}}
{{- if or (hasKey . "udp-drop-probability") (hasKey . "udp-delay") }}true{{ end }}
{{- end }}

{{/*
"true" when any profile serves UDP, else empty.
*/}}
{{- define "echo-reactor.faultsUdp" -}}
{{- range $name, $fault := .Values.faults }}
{{- if include "echo-reactor.faultUdp" $fault }}true{{ end }}
{{- end }}
{{- end }}

{{/*
The port names of a profile. A container port's name is at most 15 characters (an IANA service name), which is why
the schema keeps profile names to 12: "f-" for TCP and "fu-" for UDP, since TCP and UDP on one number still need two
names in a pod.
*/}}
{{- define "echo-reactor.faultTcpPortName" -}}
{{- printf "f-%s" . }}
{{- end }}
{{- define "echo-reactor.faultUdpPortName" -}}
{{- printf "fu-%s" . }}
{{- end }}

{{/*
Checks what the schema cannot: each fault port is its own, apart from the echo ports (container and Service) and from
the other profiles', since a fault port must never be a plain port; and the profiles are set here, not in config.
*/}}
{{- define "echo-reactor.checkFaults" -}}
{{- if hasKey (dig "echo" "server" dict (.Values.config | default dict)) "faults" }}
{{- fail "config.echo.server.faults is set from the faults value; set that instead" }}
{{- end }}
{{- $taken := dict }}
{{- $echo := list "containerPorts.echo" .Values.containerPorts.echo "containerPorts.udp" .Values.containerPorts.udp "containerPorts.http" .Values.containerPorts.http "service.port" .Values.service.port "service.udpPort" .Values.service.udpPort "service.httpPort" .Values.service.httpPort }}
{{- if .Values.tls.enabled }}
{{- $echo = concat $echo (list "containerPorts.tls" .Values.containerPorts.tls "service.tlsPort" .Values.service.tlsPort) }}
{{- end }}
{{- range $index, $value := $echo }}
{{- if and (eq (mod $index 2) 0) (not (hasKey $taken (toString (int (index $echo (add1 $index)))))) }}
{{- $_ := set $taken (toString (int (index $echo (add1 $index)))) $value }}
{{- end }}
{{- end }}
{{- range $name := keys .Values.faults | sortAlpha }}
{{- $port := toString (int (get (get $.Values.faults $name) "port")) }}
{{- if hasKey $taken $port }}
{{- fail (printf "faults.%s.port %s is already %s: each fault profile needs a port of its own" $name $port (get $taken $port)) }}
{{- end }}
{{- $_ := set $taken $port (printf "faults.%s.port" $name) }}
{{- end }}
{{- end }}
