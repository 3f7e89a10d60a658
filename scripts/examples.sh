#!/usr/bin/env bash
# Runs the crate's examples (examples/*.rs) against `okta-contract serve`, as a tool author would
# run them against an org, and checks what they print and change, so the examples cannot rot.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '==> %s\n' "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

cargo build --quiet -p okta-contract --bin okta-contract
cargo build --quiet -p okta-mgmt --examples
bin="$root/target/debug/okta-contract"
examples="$root/target/debug/examples"
token="examples-token"
work="$(mktemp -d)"
# shellcheck source=scripts/lib/serve.sh
source "$root/scripts/lib/serve.sh"
trap 'stop_serve; rm -rf "$work"' EXIT
start_serve "$bin" --token "$token"
url="$SERVE_URL"
export OKTA_ORG_URL="$url" OKTA_API_TOKEN="$token"
unset OKTA_ACCESS_TOKEN
passed=0
check() { # name, command output, expected pattern
  if grep -qE "$3" <<<"$2"; then passed=$((passed + 1)); log "ok: $1"; else printf '%s\n' "$2" >&2; fail "$1: expected /$3/"; fi
}

out="$("$examples/backup_policies" backup "$work/policies.json")"
check "backup writes every policy" "$out" '^backed up [1-9][0-9]* policies'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all("policy" in e and "rules" in e for e in d) and any(e["rules"] for e in d)' "$work/policies.json" \
  || fail "backup file shape"
out="$("$examples/backup_policies" restore "$work/policies.json" "restored-")"
check "restore creates the custom policies" "$out" '^restored [1-9][0-9]* policies'

out="$("$examples/deactivate_suspended_devices" --dry-run)"
check "dry run lists suspended devices" "$out" '^[1-9][0-9]* suspended devices \(dry run\)'
"$examples/deactivate_suspended_devices" >/dev/null
out="$("$examples/deactivate_suspended_devices" --dry-run)"
check "no suspended device left" "$out" '^0 suspended devices'

out="$("$examples/raise_password_min_length" 14)"
check "password minLength raised" "$out" 'minLength [0-9]+ → Some\(14\)'
out="$("$examples/raise_password_min_length" 14)"
check "second run changes nothing" "$out" 'already ≥ 14'
echo "examples: $passed passed, 0 failed"
