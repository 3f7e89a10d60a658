"""MSRV check that works with only the stable toolchain installed.

Fails when a package in the dependency graph declares a `rust-version` newer than the
workspace's (Cargo.toml `[workspace.package] rust-version`). Language features and std APIs
newer than the MSRV in our own code are caught by clippy's `incompatible_msrv` lint, which reads
the same `rust-version` and runs in the clippy step with warnings denied. What this cannot prove:
that rustc 1.88 itself compiles the workspace (no other toolchain can be installed here).
"""

import json
import subprocess
import sys
import tomllib


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


with open("Cargo.toml", "rb") as f:
    msrv = tomllib.load(f)["workspace"]["package"]["rust-version"]
meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
)
too_new = [
    f"{p['name']} {p['version']} needs Rust {p['rust_version']}"
    for p in meta["packages"]
    if p.get("rust_version") and version(p["rust_version"]) > version(msrv)
]
if too_new:
    print(f"dependencies newer than the MSRV {msrv}:\n  " + "\n  ".join(too_new))
    sys.exit(1)
print(f"MSRV {msrv}: all {len(meta['packages'])} packages declare rust-version <= {msrv} or none")
