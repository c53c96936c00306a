{{/* Names, labels and images, as the hardened SPIRE subchart computes them, so that its values mean the same. */}}

{{- define "spiffe-csi-driver.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "spiffe-csi-driver.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "spiffe-csi-driver.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{- define "spiffe-csi-driver.server-namespace" -}}
{{- default (include "spiffe-csi-driver.namespace" .) .Values.serverNamespaceOverride }}
{{- end }}

{{- define "spiffe-csi-driver.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "spiffe-csi-driver.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spiffe-csi-driver.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "spiffe-csi-driver.labels" -}}
helm.sh/chart: {{ include "spiffe-csi-driver.chart" . }}
{{ include "spiffe-csi-driver.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "spiffe-csi-driver.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "spiffe-csi-driver.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* An image reference from {registry, repository, tag} (dict "image" ... "global" ... "appVersion" ...): the
     hardened chart's rule, global.spire.image.registry first, a sha256: tag as a digest. */}}
{{- define "spiffe-csi-driver.image" -}}
{{- $registry := "" }}
{{- if ne (len (dig "spire" "image" "registry" "" .global)) 0 }}
{{- $registry = printf "%s/" .global.spire.image.registry }}
{{- else if .image.registry }}
{{- $registry = printf "%s/" .image.registry }}
{{- end }}
{{- $tag := default (.appVersion | default "") (.image.tag | toString) }}
{{- if hasPrefix "sha256:" $tag }}
{{- printf "%s%s@%s" $registry .image.repository $tag }}
{{- else if $tag }}
{{- printf "%s%s:%s" $registry .image.repository $tag }}
{{- else }}
{{- printf "%s%s" $registry .image.repository }}
{{- end }}
{{- end }}

{{- define "spiffe-csi-driver.driverImage" -}}
{{- include "spiffe-csi-driver.image" (dict "image" .Values.image "global" .Values.global "appVersion" .Chart.AppVersion) }}
{{- end }}

{{/* The backends that mount (mount(2) needs privilege; Bidirectional propagation is allowed only to privileged
     containers). */}}
{{- define "spiffe-csi-driver.mounts" -}}
{{- if has .Values.backend (list "bindmount" "fuse-proxy") }}true{{ end }}
{{- end }}

{{- define "spiffe-csi-driver.stateHostPath" -}}
{{- if .Values.stateHostPath }}
{{- .Values.stateHostPath }}
{{- else if eq .Values.pluginName "csi.spiffe.io" }}
{{- print "/var/run/spiffe-csi/state" }}
{{- else }}
{{- printf "/var/run/spiffe-csi/state-%s" .Values.pluginName }}
{{- end }}
{{- end }}

{{- define "spiffe-csi-driver.selinux" -}}
{{- if or .Values.selinux.enabled (dig "openshift" false .Values.global) (dig "selinux" false .Values.global) }}true{{ end }}
{{- end }}

{{/* The driver container's security context: the backend's, with securityContext merged over it. */}}
{{- define "spiffe-csi-driver.securityContext" -}}
{{- $base := dict "readOnlyRootFilesystem" true "runAsUser" 0 "capabilities" (dict "drop" (list "ALL")) }}
{{- if include "spiffe-csi-driver.mounts" . }}
{{- $_ := set $base "privileged" true }}
{{- else }}
{{- $_ := set $base "privileged" false }}
{{- $_ := set $base "allowPrivilegeEscalation" false }}
{{- $_ := set $base "seccompProfile" (dict "type" "RuntimeDefault") }}
{{- end }}
{{- toYaml (mergeOverwrite $base (deepCopy .Values.securityContext)) }}
{{- end }}

{{- define "spiffe-csi-driver.resources" -}}
{{- if .Values.resources }}
{{- toYaml .Values.resources }}
{{- else }}
{{- toYaml (get .Values.defaultResources .Values.backend) }}
{{- end }}
{{- end }}

{{/* The socket a volume shows: the agent's (bindmount, symlink-dev), or the one fuse-proxy serves. */}}
{{- define "spiffe-csi-driver.volumeSocketName" -}}
{{- if .Values.test.socketName }}
{{- .Values.test.socketName }}
{{- else if eq .Values.backend "fuse-proxy" }}
{{- print "spire-agent.sock" }}
{{- else }}
{{- base .Values.agentSocketPath }}
{{- end }}
{{- end }}
