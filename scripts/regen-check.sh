#!/usr/bin/env bash
# Proves the regeneration workflow: a one-line spec edit, then `cargo build`, changes the generated
# API. Copies the crate to a temporary workspace, shows that a probe using a new query parameter
# does not compile against the committed spec, adds the parameter to the spec (one line in the
# listPolicies parameters), rebuilds, and shows that the probe now compiles. Prints the rebuild time.
#
# Usage: scripts/regen-check.sh            (uses ./target for shared dependency artifacts)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

mkdir -p "$work/okta-mgmt"
cp -r "$repo/build.rs" "$repo/build" "$repo/spec" "$repo/src" "$repo/README.md" "$work/okta-mgmt/"
# Standalone package: drop the workspace table and the member list.
python3 - "$repo/Cargo.toml" "$work/okta-mgmt/Cargo.toml" <<'PY'
import json, re, sys, tomllib
src, dst = sys.argv[1], sys.argv[2]
text = open(src).read()
inherited = tomllib.loads(text).get("workspace", {}).get("package", {})
text = re.sub(r"\[workspace\]\n(?:[^\[\n].*\n|\n)*", "", text)
text = re.sub(r"\[workspace\.package\]\n(?:[^\[\n].*\n|\n)*", "", text)
# Workspace-only parts: the simulator dev-dependency (a sibling crate).
text = re.sub(r"(?m)^okta-sim = \{ path = \"simulator\" \}\n", "", text)
# Every `key.workspace = true` of [package] gets the workspace's value.
for key, value in inherited.items():
    text = text.replace(f"{key}.workspace = true", f"{key} = {json.dumps(value)}")
open(dst, "w").write(text + "\n[workspace]\n")
PY
cp "$repo/Cargo.lock" "$work/okta-mgmt/" 2>/dev/null || true
mkdir -p "$work/okta-mgmt/examples"
cat > "$work/okta-mgmt/examples/regen_probe.rs" <<'RS'
//! Uses a query parameter that exists only after the spec edit.
fn main() {
    fn probe(c: &okta_mgmt::Client) -> okta_mgmt::builder::ListPolicies<'_> {
        c.list_policies().regen_probe("x")
    }
    let _ = probe;
}
RS
cd "$work/okta-mgmt"
echo "== build against the committed spec (probe must NOT compile)"
cargo build --quiet --lib
if cargo build --quiet --example regen_probe 2>/dev/null; then
  echo "FAIL: the probe compiled before the spec edit" >&2
  exit 1
fi
echo "   ok: list_policies() has no .regen_probe() yet"

echo "== one-line spec edit: add query parameter regenProbe to listPolicies"
python3 - spec/openapi.yaml <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
anchor = "      operationId: listPolicies\n"
i = s.index(anchor)
j = s.index("      parameters:\n", i) + len("      parameters:\n")
s = s[:j] + "        - {name: regenProbe, in: query, description: A parameter added by the regeneration check, schema: {type: string}}\n" + s[j:]
open(p, "w").write(s)
PY
start=$(date +%s.%N)
cargo build --quiet --lib
end=$(date +%s.%N)
cargo build --quiet --example regen_probe
echo "   ok: the probe compiles: list_policies().regen_probe(..) was generated"
python3 -c "import sys; print(f'rebuild after one-line spec edit: {float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$start" "$end"
