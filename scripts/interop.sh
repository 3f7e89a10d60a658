#!/usr/bin/env bash
# Interop suite: the official Okta Python SDK (`okta` on PyPI, pinned) runs realistic flows
# against `okta-contract serve` (scripts/interop/python_sdk_flows.py).
#
# - Installs the SDK into the project-local venv .tools/venv (git-ignored; pinned; skipped when
#   already installed), the way scripts/schemathesis.sh installs Schemathesis.
# - Builds okta-contract, starts `okta-contract serve --port 0` with a throwaway token and reads
#   the URL from its first output line; the server is stopped on exit, also on errors.
# - Prints one line per step and `N passed, N failed`; exits non-zero when a step failed.
#
# Usage: scripts/interop.sh [-v]   (-v prints a traceback for each failed step)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
OKTA_PY_VERSION="3.4.6"
venv="$root/.tools/venv"

log() { printf '==> %s\n' "$*" >&2; }

install_sdk() {
  local stamp="$venv/.okta-python-$OKTA_PY_VERSION"
  if [[ -x "$venv/bin/python" && -f "$stamp" ]]; then
    return
  fi
  command -v python3 >/dev/null 2>&1 || { log "python3 is required"; exit 2; }
  log "installing okta (Python SDK) $OKTA_PY_VERSION into .tools/venv"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "okta==$OKTA_PY_VERSION"
  touch "$stamp"
}

install_sdk

log "building okta-contract"
cargo build --quiet -p okta-contract
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="$target_dir/debug/okta-contract"

token="interop-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
server_out="$(mktemp)"
"$bin" serve --port 0 --token "$token" >"$server_out" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$server_out"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 100); do
  url="$(sed -n '1s/^listening on //p' "$server_out")"
  [[ -n "$url" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { log "serve exited:"; cat "$server_out" >&2; exit 2; }
  sleep 0.1
done
[[ -n "$url" ]] || { log "serve printed no URL"; cat "$server_out" >&2; exit 2; }
log "simulator at $url"

log "okta-sdk-python $OKTA_PY_VERSION flows"
timeout 120 "$venv/bin/python" "$root/scripts/interop/python_sdk_flows.py" "$url" "$token" "$@"
