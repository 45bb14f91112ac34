{{/* Cilium 1.15 and later: the chart this is built as (the two versions share these templates). */}}
{{- define "cilium.since115" -}}
{{- if semverCompare ">=1.15.0-0" .Chart.Version }}true{{ end -}}
{{- end }}

{{/* routing-mode: routingMode, else from the 1.14 `tunnel` key ("disabled" means native). */}}
{{- define "cilium.routingMode" -}}
{{- if .Values.routingMode }}{{ .Values.routingMode }}
{{- else if and (not (include "cilium.since115" .)) (eq (toString .Values.tunnel) "disabled") }}native
{{- else }}tunnel{{ end -}}
{{- end }}

{{/* tunnel-protocol: tunnelProtocol, else from the 1.14 `tunnel` key, else vxlan. */}}
{{- define "cilium.tunnelProtocol" -}}
{{- if .Values.tunnelProtocol }}{{ .Values.tunnelProtocol }}
{{- else if and (not (include "cilium.since115" .)) (has (toString .Values.tunnel) (list "vxlan" "geneve")) }}{{ .Values.tunnel }}
{{- else }}vxlan{{ end -}}
{{- end }}

{{- define "cilium.image" -}}
{{ .repository }}:{{ .tag | default (printf "v%s" .root.Chart.AppVersion) }}
{{- end }}

{{- define "cilium.labels" -}}
app.kubernetes.io/part-of: cilium
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "cilium.k8sServiceEnv" -}}
{{- if .Values.k8sServiceHost }}
- name: KUBERNETES_SERVICE_HOST
  value: {{ .Values.k8sServiceHost | quote }}
- name: KUBERNETES_SERVICE_PORT
  value: {{ .Values.k8sServicePort | quote }}
{{- end }}
{{- end }}

{{/*
The cilium-ca: given in tls.ca, else the one already in the cluster (kept across upgrades, as the
real chart does), else a new one. Computed once per render and shared by every certificate.
*/}}
{{- define "cilium.ca" -}}
{{- if not .Values._ca }}
{{- $ca := dict }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace "cilium-ca" }}
{{- if .Values.tls.ca.cert }}
{{- $_ := set $ca "cert" (.Values.tls.ca.cert | b64dec) }}
{{- $_ := set $ca "key" (.Values.tls.ca.key | b64dec) }}
{{- else if and $existing $existing.data }}
{{- $_ := set $ca "cert" (index $existing.data "ca.crt" | b64dec) }}
{{- $_ := set $ca "key" (index $existing.data "ca.key" | b64dec) }}
{{- else }}
{{- $generated := genCA "Cilium CA" (int .Values.tls.ca.certValidityDuration) }}
{{- $_ := set $ca "cert" $generated.Cert }}
{{- $_ := set $ca "key" $generated.Key }}
{{- end }}
{{- $_ := set .Values "_ca" (buildCustomCert ($ca.cert | b64enc) ($ca.key | b64enc)) }}
{{- end }}
{{- end }}

{{/* A TLS secret signed by the cilium-ca: (list $ "name" "common name" (list dns names) (list ips)). */}}
{{- define "cilium.signedSecret" -}}
{{- $root := index . 0 -}}
{{- include "cilium.ca" $root -}}
{{- $cert := genSignedCert (index . 2) (index . 4) (index . 3) (int $root.Values.tls.ca.certValidityDuration) $root.Values._ca }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ index . 1 }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "cilium.labels" $root | nindent 4 }}
type: kubernetes.io/tls
data:
  ca.crt: {{ $root.Values._ca.Cert | b64enc }}
  tls.crt: {{ $cert.Cert | b64enc }}
  tls.key: {{ $cert.Key | b64enc }}
{{- end }}
