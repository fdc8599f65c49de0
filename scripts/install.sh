#!/usr/bin/env bash
# Installs what the platform needs and is missing, and nothing else. Idempotent and cached:
# Debian packages once, the Go-built servers once per version (in OSINT_TOOLS_DIR, shared by
# every checkout), node_modules again only when package-lock.json changes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${OSINT_TOOLS_DIR:-$HOME/.cache/osint-platform}"
TEMPORAL_CLI_VERSION="v1.5.1"     # newest tag whose go.mod installs from the module proxy
VERSITYGW_VERSION="v1.7.0"
log() { printf 'install   | %s\n' "$*"; }

install_debian_packages() {
  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/postgres' > /dev/null || missing+=(postgresql)
  command -v redis-server > /dev/null || missing+=(redis-server)
  command -v promtool > /dev/null || missing+=(prometheus)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
  # The packages start their own services; the stack runs its own servers on its own folders.
  for service in postgresql redis-server prometheus; do
    (service "$service" stop > /dev/null 2>&1 || true)
  done
}

# go_tool NAME MODULE VERSION: builds MODULE@VERSION into $TOOLS_DIR/bin unless that version is there.
go_tool() {
  local name="$1" module="$2" version="$3"
  local stamp="$TOOLS_DIR/bin/.$name.version"
  if [ -x "$TOOLS_DIR/bin/$name" ] && [ "$(cat "$stamp" 2> /dev/null)" = "$version" ]; then return 0; fi
  command -v go > /dev/null || { log "Go is required to build $name"; return 1; }
  log "building $name $version from the Go module proxy (takes a few minutes the first time)"
  mkdir -p "$TOOLS_DIR/bin"
  GOBIN="$TOOLS_DIR/bin" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "$module@$version"
  echo "$version" > "$stamp"
}

install_node_modules() {
  local marker="$ROOT/node_modules/.package-lock.json"
  if [ -f "$marker" ] && [ "$marker" -nt "$ROOT/package-lock.json" ]; then return 0; fi
  log "installing node modules (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
}

install_debian_packages
go_tool temporal github.com/temporalio/cli/cmd/temporal "$TEMPORAL_CLI_VERSION"
go_tool versitygw github.com/versity/versitygw/cmd/versitygw "$VERSITYGW_VERSION"
install_node_modules
