#!/usr/bin/env bash
# One entry point for people and CI: sets the machine up (once), then runs.
#   ./run.sh demo   compute the bundled demo data set → reports/demo/
#   ./run.sh test   lint (ruff: audit/ and tests/), format check and type-check (mypy) audit/, then run the whole test suite
#   ./run.sh setup  only install (system packages, then Python packages from the lock file)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES="fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium"
PY=${PYTHON:-python3}

setup_system() {
  local missing=()
  for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Debian's own python3 needs python3-venv for `python3 -m venv`
  "$PY" -c "import venv, ensurepip" 2>/dev/null || missing+=("python3-venv")
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

setup_python() {
  local stamp=.venv/.setup-stamp want
  want=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return 0
  echo "Installing Python packages from requirements.lock" >&2
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . >&2
  echo "$want" > "$stamp"
}

setup() { setup_system; setup_python; }

case "${1:-}" in
  setup) setup ;;
  demo)
    setup
    shift
    marker=$(mktemp); rc=0
    .venv/bin/audit run --policy shaoxing --year 2024 --data demo/demo.xlsx --out reports/demo "$@" || rc=$?
    # Exit 1 with fresh outputs means: written, but error findings block some payments.
    # The demo data holds such planted problems on purpose, so that is the expected result.
    if [ "$rc" -eq 1 ] && [ reports/demo/manifest.json -nt "$marker" ]; then
      echo "演示数据中有意设置了问题：以上错误级发现属预期结果。报告见 reports/demo/report.pdf" >&2
      rc=0
    fi
    rm -f "$marker"; exit "$rc" ;;
  test)
    setup
    shift
    # lint and types over the package first (config in pyproject.toml), then the suite
    .venv/bin/ruff check audit tests
    .venv/bin/ruff format --check audit
    .venv/bin/mypy audit
    exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: ./run.sh demo|test|setup" >&2; exit 2 ;;
esac
