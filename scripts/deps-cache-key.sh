#!/bin/sh
# The key of the installed-dependencies cache (node_modules as scripts/runner-setup.sh leaves it:
# faiss-node's addon built and carrying its BLAS), for every workflow that restores it
# (nightly.yml saves it, profiles.yml restores it too): the runner (OS, architecture, image), Node
# and every file the install follows. Written once here, so the workflows find each other's entries.
cd "$(dirname "$0")/.."
inputs=$(cat package.json package-lock.json scripts/runner-setup.sh scripts/install-stamp.sh scripts/build-faiss.sh \
  scripts/faiss-shim/CMakeLists.txt scripts/faiss-shim/compat.h | sha256sum | cut -c1-16)
echo "paperboy-deps-${RUNNER_OS:-}-${RUNNER_ARCH:-}-${ImageOS:-}-node$(node --version)-$inputs"
