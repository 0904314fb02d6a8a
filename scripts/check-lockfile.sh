#!/bin/sh
# package-lock.json must be one `npm ci` accepts (what GitHub users and Actions run): in step with
# package.json, every platform's optional packages included. Checked by a dry run of `npm ci` on a
# scratch copy of the two files: npm before 10.5 empties node_modules even in a dry run.
set -e
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp package.json package-lock.json "$scratch/"
cd "$scratch"
npm ci --dry-run --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null || {
  echo "paperboy: package-lock.json is out of step with package.json; run npm install and commit both" >&2
  exit 1
}
