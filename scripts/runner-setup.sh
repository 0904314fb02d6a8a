#!/bin/sh
# The runner set-up of nightly.yml and profiles.yml. node_modules comes from the Actions
# cache while package-lock.json, Node and the runner image stay the same; then this script only
# checks it, in about a second: the install stamp matches package.json and package-lock.json, and
# the native parts load and answer (scripts/check-install.ts; faiss-node's addon carries its BLAS
# beside it, so no Debian package is needed). Without a cache, or when a check fails, it installs
# in full: Debian's libfaiss and build tools (when missing), npm ci, faiss-node's addon. It writes
# installed=true|false to $GITHUB_OUTPUT: the workflow saves a new cache only after a full install.
#   sh scripts/runner-setup.sh           check, else install
#   sh scripts/runner-setup.sh --check   check only: exit 1 with the reason when the install is unusable
set -e
cd "$(dirname "$0")/.."

check() {
  stamp=node_modules/.paperboy-install-stamp
  [ -f "$stamp" ] || { echo "no install stamp ($stamp)"; return 1; }
  [ "$(cat "$stamp")" = "$(sh scripts/install-stamp.sh)" ] || { echo "$stamp does not match package.json and package-lock.json"; return 1; }
  [ -x node_modules/.bin/node ] || { echo "no node_modules/.bin/node"; return 1; }
  node_modules/.bin/node scripts/check-install.ts
}

output() { [ -z "${GITHUB_OUTPUT:-}" ] || echo "$1" >> "$GITHUB_OUTPUT"; }

if problem=$(check 2>&1); then
  echo "paperboy runner setup: the cached install works (stamp and native modules checked)"
  output installed=false
  exit 0
fi
[ "${1:-}" = --check ] && { echo "paperboy runner setup: $problem" >&2; exit 1; }
echo "paperboy runner setup: full install (${problem:-no cached install})"

need=""
for p in libfaiss-dev libopenblas0-pthread cmake g++ patchelf; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
rm -rf node_modules
# npm ci runs the postinstall: scripts/build-faiss.sh builds the addon against the system libfaiss.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
# onnxruntime-node ships binaries for five platforms (~290 MB); the cache keeps this runner's
# only, so every night restores ~245 MB less (the check below proves it still loads).
here=$(node_modules/.bin/node -p 'process.platform + "/" + process.arch')
for d in node_modules/onnxruntime-node/bin/napi-v*/*/*; do
  case "$d" in */"$here") ;; *) rm -rf "$d" ;; esac
done
sh scripts/install-stamp.sh > node_modules/.paperboy-install-stamp
problem=$(check 2>&1) || { echo "paperboy runner setup: the fresh install does not work: $problem" >&2; exit 1; }
output installed=true
