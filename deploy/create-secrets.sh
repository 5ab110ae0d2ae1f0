#!/usr/bin/env bash
# Creates the Secrets an installation of deploy/overlays/example needs, in namespace $1 (default keyhub), each
# with a newly generated random password. A Secret that exists already is left as it is (its database or
# Keycloak already uses it). Nothing generated here is printed or written to disk.
# Needs kubectl (pointed at the cluster) and openssl.
#
#   deploy/create-secrets.sh [namespace]
set -euo pipefail
ns="${1:-keyhub}"
for tool in kubectl openssl; do
  command -v "$tool" >/dev/null || { echo "create-secrets: needs $tool" >&2; exit 1; }
done
random() { openssl rand -base64 32 | tr -d '\n/+=' | cut -c1-32; }

kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"

create() {  # name, then kubectl create secret arguments
  local name="$1"; shift
  if kubectl -n "$ns" get secret "$name" >/dev/null 2>&1; then
    echo "secret $name: exists, kept"
  else
    kubectl -n "$ns" create secret "$@" >/dev/null
    echo "secret $name: created"
  fi
}

# PostgreSQL roles (CloudNativePG bootstraps the clusters with them; KeyHub logs in with them).
create keyhub-catalog-db generic keyhub-catalog-db --type=kubernetes.io/basic-auth \
  --from-literal=username=keyhub --from-literal=password="$(random)"
create keyhub-tenants-eu-1-db generic keyhub-tenants-eu-1-db --type=kubernetes.io/basic-auth \
  --from-literal=username=keyhub --from-literal=password="$(random)"
create keycloak-db generic keycloak-db --type=kubernetes.io/basic-auth \
  --from-literal=username=keycloak --from-literal=password="$(random)"
# Keycloak's first master-realm admin: read it with kubectl when you first sign in, then change it there.
create keycloak-admin generic keycloak-admin --from-literal=username=admin --from-literal=password="$(random)"
# The secret of the client keyhub-web: Keycloak's realm import and KeyHub's browser login read the same one.
create keyhub-web-client generic keyhub-web-client --from-literal=secret="$(random)"
