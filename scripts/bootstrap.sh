#!/bin/sh
# One idempotent set-up step shared by `npm test`, `npm run demo` and `npm run bench`:
# system packages (Debian, when missing and we may install), npm dependencies (when
# package.json changed since the last install), faiss-node's native addon. The second run
# only compares a few stamps and returns in well under a second.
set -e
cd "$(dirname "$0")/.."

need_pkgs=""
if command -v dpkg-query >/dev/null 2>&1; then
  pkgs="libfaiss-dev libopenblas0-pthread cmake g++ make patchelf fonts-liberation fonts-noto-color-emoji"
  # A browser for the screenshot/browser tests: Debian's chromium unless one is pointed at.
  [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ] || pkgs="$pkgs chromium"
  for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_pkgs="$need_pkgs $p"
  done
fi
if [ -n "$need_pkgs" ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"; }
  if { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null 2>&1; then
    echo "paperboy setup: installing Debian packages:$need_pkgs"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null
  else
    echo "paperboy setup: missing system packages:$need_pkgs (run as root or: sudo apt-get install$need_pkgs)" >&2
  fi
fi

stamp=node_modules/.paperboy-install-stamp
want=$(sh scripts/install-stamp.sh)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  echo "paperboy setup: npm install"
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error
  sh scripts/install-stamp.sh > "$stamp"
fi
sh scripts/build-faiss.sh
