{{/* Names and labels shared by every template. */}}

{{- define "careline.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway") */}}
{{- define "careline.selectorLabels" -}}
app.kubernetes.io/name: careline
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "careline.labels" -}}
{{ include "careline.selectorLabels" . }}
app.kubernetes.io/part-of: careline
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
The deployable components: every enabled app, plus the simulator when enabled. Each entry is the
app's values with its name and whether it is the simulator. Returned as YAML (fromYaml).
*/}}
{{- define "careline.components" -}}
{{- $out := dict -}}
{{- range $name, $app := .Values.apps -}}
{{- if $app.enabled -}}
{{- $_ := set $out $name (merge (dict "name" $name "simulator" false) $app) -}}
{{- end -}}
{{- end -}}
{{- if .Values.simulator.enabled -}}
{{- $_ := set $out "wa-simulator" (merge (dict "name" "wa-simulator" "simulator" true) .Values.simulator) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/*
The flows between components that DESIGN.md allows, besides the edge, monitoring, DNS, Kafka,
Postgres and the outside world: `from` may open a connection to `to` on port `port` (a port name).
*/}}
{{- define "careline.internalFlows" -}}
- { from: api, to: messaging, port: grpc }
- { from: ingest, to: gateway, port: grpc }
- { from: scheduling, to: messaging, port: grpc }
- { from: api, to: records, port: grpc }
- { from: records, to: messaging, port: grpc }
{{- if .Values.simulator.enabled }}
- { from: gateway, to: wa-simulator, port: http }
- { from: wa-simulator, to: gateway, port: http }
{{- end }}
{{- end -}}

{{/* The components that face the outside (ingress controller): api and gateway, records (the
patients' release page, /r/*), the staff console, and the simulator's phone UI. */}}
{{- define "careline.edgeComponents" -}}
[api, gateway, records, console, wa-simulator]
{{- end -}}

{{- define "careline.image" -}}
{{- $tag := .root.Values.global.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%s" .root.Values.global.image.registry .name $tag -}}
{{- end -}}

{{/* The gateway's Graph base URL: configured, else the simulator's Service when it is deployed. */}}
{{- define "careline.graphBaseUrl" -}}
{{- $configured := .Values.apps.gateway.env.GRAPH_BASE_URL | default "" -}}
{{- if and (eq $configured "") .Values.simulator.enabled -}}
{{- printf "http://%s-wa-simulator:%v" (include "careline.fullname" .) .Values.simulator.ports.http -}}
{{- else -}}
{{- $configured -}}
{{- end -}}
{{- end -}}

{{/* The environment of one component (its ConfigMap's data): (dict "root" $ "app" $app) */}}
{{- define "careline.env" -}}
{{- $root := .root -}}
{{- $app := .app -}}
{{- $env := dict -}}
{{- if $app.simulator -}}
{{- $_ := set $env "WA_SIM_HOST" "0.0.0.0" -}}
{{- $_ := set $env "WA_SIM_PORT" (toString $app.ports.http) -}}
{{- $_ := set $env "WA_SIM_LOG_LEVEL" $root.Values.global.logLevel -}}
{{- else -}}
{{- $_ := set $env "LOG_LEVEL" $root.Values.global.logLevel -}}
{{- $_ := set $env "SHUTDOWN_TIMEOUT" $root.Values.global.shutdownTimeout -}}
{{- $_ := set $env "HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "HTTP_PORT" (toString $app.ports.http) -}}
{{- if $app.ports.grpc -}}
{{- $_ := set $env "GRPC_HOST" "0.0.0.0" -}}
{{- $_ := set $env "GRPC_PORT" (toString $app.ports.grpc) -}}
{{- end -}}
{{- if $app.kafka -}}
{{- $_ := set $env "KAFKA_BROKERS" (required "kafka.brokers is required" $root.Values.kafka.brokers) -}}
{{- if $root.Values.kafka.topicPrefix -}}
{{- $_ := set $env "KAFKA_TOPIC_PREFIX" $root.Values.kafka.topicPrefix -}}
{{- end -}}
{{- /* topics exist before any app starts: the provisioning Job, or your own tooling */ -}}
{{- $_ := set $env "KAFKA_CREATE_TOPICS" "false" -}}
{{- end -}}
{{- if eq $app.name "api" -}}
{{- $_ := set $env "MESSAGING_GRPC_URL" (printf "%s-messaging:%v" (include "careline.fullname" $root) $root.Values.apps.messaging.ports.grpc) -}}
{{- end -}}
{{- if eq $app.name "scheduling" -}}
{{- $_ := set $env "MESSAGING_GRPC_URL" (printf "%s-messaging:%v" (include "careline.fullname" $root) $root.Values.apps.messaging.ports.grpc) -}}
{{- end -}}
{{- if and (eq $app.name "api") $root.Values.apps.records.enabled -}}
{{- $_ := set $env "RECORDS_GRPC_URL" (printf "%s-records:%v" (include "careline.fullname" $root) $root.Values.apps.records.ports.grpc) -}}
{{- end -}}
{{- if eq $app.name "records" -}}
{{- $_ := set $env "MESSAGING_GRPC_URL" (printf "%s-messaging:%v" (include "careline.fullname" $root) $root.Values.apps.messaging.ports.grpc) -}}
{{- end -}}
{{- /* the console's browser app calls the api through the Ingress: its public origin */ -}}
{{- if and (eq $app.name "console") (eq (toString ($app.env.CONSOLE_API_URL | default "")) "") -}}
{{- $_ := set $env "CONSOLE_API_URL" (printf "https://%s" $root.Values.ingress.api.host) -}}
{{- end -}}
{{- /* the api lets the console's origin call it from browsers unless CORS_ORIGINS says otherwise */ -}}
{{- if and (eq $app.name "api") (eq (toString ($app.env.CORS_ORIGINS | default "")) "") $root.Values.apps.console -}}
{{- if $root.Values.apps.console.enabled -}}
{{- $_ := set $env "CORS_ORIGINS" (printf "https://%s" $root.Values.ingress.console.host) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $key, $value := $app.env -}}
{{- if and (ne (toString $value) "") (not (hasKey $env $key)) -}}
{{- $_ := set $env $key (toString $value) -}}
{{- end -}}
{{- end -}}
{{- if eq $app.name "gateway" -}}
{{- $_ := set $env "GRAPH_BASE_URL" (include "careline.graphBaseUrl" $root) -}}
{{- end -}}
{{- range $var, $_ := $app.secrets -}}
{{- $_ := set $env (printf "%s_FILE" $var) (printf "/var/run/secrets/careline/%s" $var) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}
