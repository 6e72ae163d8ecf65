# Shared helpers for scripts/start and scripts/test (sourced, not run).
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Phases and their wall-clock times: 'phase NAME' ends the running phase and starts NAME;
# 'phase_record NAME SECONDS' adds one measured elsewhere; 'phase_report' prints the table.
PHASE_NAMES=()
PHASE_SECONDS=()
PHASE_CURRENT=""
PHASE_STARTED=0
SCRIPT_STARTED=$(date +%s)
phase() {
  local now
  now=$(date +%s)
  if [ -n "$PHASE_CURRENT" ]; then phase_record "$PHASE_CURRENT" $((now - PHASE_STARTED)); fi
  PHASE_CURRENT="$1"
  PHASE_STARTED=$now
}
phase_record() { PHASE_NAMES+=("$1"); PHASE_SECONDS+=("$2"); }
phase_report() {
  phase ""
  local i
  printf '\033[1m==> Time per phase\033[0m\n'
  for i in "${!PHASE_NAMES[@]}"; do
    printf '  %-40s %4ds\n' "${PHASE_NAMES[$i]}" "${PHASE_SECONDS[$i]}"
  done
  printf '  %-40s %4ds\n' "total" $(($(date +%s) - SCRIPT_STARTED))
}
fail() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when available).
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "'$*' needs root rights; run it once as root, then start again."; fi
}

# Install Debian packages that are missing (apt-get update only when something is missing).
ensure_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || fail "please install: ${missing[*]}"
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Make sure uv (the Python package manager that reads uv.lock) is available as $UV.
ensure_uv() {
  if command -v uv >/dev/null; then UV=(uv); return; fi
  if python3 -m uv --version >/dev/null 2>&1; then UV=(python3 -m uv); return; fi
  say "Installing uv"
  python3 -m pip install --quiet --disable-pip-version-check uv || fail "could not install uv with pip"
  UV=(python3 -m uv)
}

# Install Leitplanke and its locked dependencies into .venv; extra arguments go to 'uv sync'.
install_leitplanke() {
  ensure_uv
  say "Installing Leitplanke and its locked dependencies into .venv"
  "${UV[@]}" sync --locked --quiet "$@"
  export PATH="$PWD/.venv/bin:$PATH"
}

# Compile the translation catalogues (.po -> .mo).
compile_translations() {
  (cd src/leitplanke && leitplanke compilemessages --verbosity 0)
}

# Prepare the database in $LEITPLANKE_DATA_DIR with the demo company, then run the background
# worker and serve Leitplanke on 127.0.0.1:$1 until stopped (the worker stops with the server).
serve_demo() {
  local port="$1"
  say "Preparing the database"
  leitplanke migrate --noinput --verbosity 0
  leitplanke demo
  leitplanke policy --verbosity 0 refresh
  say "Starting the background worker (notifications; e-mails go to $LEITPLANKE_DATA_DIR/mail)"
  leitplanke worker --verbosity 0 &
  local worker=$!
  # shellcheck disable=SC2064  # the worker's pid is meant to be fixed now
  trap "kill $worker 2>/dev/null || true" EXIT INT TERM
  say "Starting Leitplanke at http://127.0.0.1:$port (Ctrl+C stops it)"
  leitplanke serve --host 127.0.0.1 --port "$port"
}
