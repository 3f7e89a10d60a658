#!/usr/bin/env bash
# Lints the curated OpenAPI spec with two independent tools:
#   1. openapi-spec-validator (structure and JSON Schema of OpenAPI 3.0), from PyPI, in a
#      project-local virtualenv under .tools/venv;
#   2. Spectral (@stoplight/spectral-cli, from npm, under .tools/node) with the ruleset
#      spec/.spectral.yaml (spectral:oas plus progenitor's constraints).
# Both are installed on first use (pinned versions; skipped when already present).
# Exit status: non-zero if either tool reports an error. Warnings are printed but allowed.
#
# Usage: scripts/lint-spec.sh [SPEC]   (default: spec/openapi.yaml)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
spec="${1:-$root/spec/openapi.yaml}"
ruleset="$root/spec/.spectral.yaml"

OSV_VERSION="0.9.0"
SPECTRAL_VERSION="6.16.3"

venv="$tools/venv"
osv="$venv/bin/openapi-spec-validator"
node_dir="$tools/node"
spectral="$node_dir/node_modules/.bin/spectral"

# shellcheck source=lib/tools.sh
source "$root/scripts/lib/tools.sh"

need() {
  command -v "$1" >/dev/null 2>&1 || { log "missing required tool: $1"; exit 2; }
}

install_validator() {
  pip_install "$venv" openapi-spec-validator "$OSV_VERSION"
}

install_spectral() {
  local stamp="$node_dir/.spectral-cli-$SPECTRAL_VERSION"
  if [[ -x "$spectral" && -f "$stamp" ]]; then
    return
  fi
  need npm
  log "installing @stoplight/spectral-cli $SPECTRAL_VERSION into ${node_dir#"$root"/}"
  mkdir -p "$node_dir"
  npm install --prefix "$node_dir" --no-audit --no-fund --silent \
    "@stoplight/spectral-cli@$SPECTRAL_VERSION" >&2
  touch "$stamp"
}

[[ -f "$spec" ]] || { log "no spec at $spec"; exit 2; }
[[ -f "$ruleset" ]] || { log "no ruleset at $ruleset"; exit 2; }

install_validator
install_spectral

status=0

log "openapi-spec-validator ${spec#"$root"/}"
if ! "$osv" "$spec"; then
  status=1
fi

log "spectral lint (ruleset ${ruleset#"$root"/})"
# --fail-severity error: warnings and infos are printed but do not fail the run.
if ! "$spectral" lint --ruleset "$ruleset" --fail-severity error "$spec"; then
  status=1
fi

if [[ $status -ne 0 ]]; then
  log "spec lint FAILED"
else
  log "spec lint passed"
fi
exit "$status"
