#!/bin/sh
# What node_modules/.paperboy-install-stamp holds after an install: a checksum of package.json and
# package-lock.json. scripts/bootstrap.sh reinstalls when it differs; scripts/runner-setup.sh
# refuses a cached node_modules whose stamp differs.
cd "$(dirname "$0")/.."
cat package.json package-lock.json 2>/dev/null | cksum
