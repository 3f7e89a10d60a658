# Sourced by the scripts that install pinned Python tools under .tools/ (lint-spec, interop,
# Schemathesis). Expects `root` (the workspace) to be set.

log() { printf '==> %s\n' "$*" >&2; }

# pip_install VENV PACKAGE VERSION [LABEL]: installs PACKAGE==VERSION into the virtualenv VENV
# (created with python3 when missing), unless the stamp VENV/.PACKAGE-VERSION says it already is.
# Exits 2 when python3 is missing.
pip_install() {
  local venv="$1" package="$2" version="$3" label="${4:-$2}"
  local stamp="$venv/.$package-$version"
  if [[ -x "$venv/bin/python" && -f "$stamp" ]]; then
    return
  fi
  command -v python3 >/dev/null 2>&1 || { log "python3 is required"; exit 2; }
  log "installing $label $version into ${venv#"$root"/}"
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$package==$version"
  touch "$stamp"
}
