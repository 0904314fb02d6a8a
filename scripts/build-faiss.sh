#!/bin/sh
# Makes faiss-node's native addon available. Runs as the root package's postinstall because
# faiss-node's own install script is blocked in package.json allowScripts (it downloads from GitHub).
#   1. already built/installed                      -> nothing to do (fast second run)
#   2. system faiss present (Debian libfaiss-dev)   -> compile faiss-node against it (offline, ~6 s)
#   3. otherwise (online users on other systems)    -> faiss-node's normal prebuilt binary
set -e
FN=node_modules/faiss-node
[ -d "$FN" ] || exit 0
[ -f "$FN/build/Release/faiss-node.node" ] && exit 0
if [ -f /usr/include/faiss/Index.h ] && command -v cmake >/dev/null 2>&1; then
  echo "paperboy: building faiss-node against the system libfaiss"
  mkdir -p "$FN/deps/faiss"
  cp scripts/faiss-shim/CMakeLists.txt scripts/faiss-shim/compat.h "$FN/deps/faiss/"
  node_modules/.bin/cmake-js compile -d "$FN" >"$FN/paperboy-build.log" 2>&1 || {
    tail -n 30 "$FN/paperboy-build.log" >&2
    echo "paperboy: faiss-node build failed (full log: $FN/paperboy-build.log)" >&2
    exit 1
  }
  # Self-contained: the build already copies OpenBLAS and its runtime beside the addon; with the
  # BLAS/LAPACK front ends there too and the addon's runpath at its own folder, a node_modules
  # restored from a cache loads on a runner without the Debian packages (scripts/runner-setup.sh).
  out="$FN/build/Release"
  for lib in libblas.so.3 liblapack.so.3; do
    from=$(ldd "$out/faiss-node.node" | awk -v l="$lib" '$1 == l { print $3 }')
    if [ -n "$from" ]; then cp -L "$from" "$out/$lib" && patchelf --set-rpath '$ORIGIN' "$out/$lib"; fi
  done
  patchelf --set-rpath '$ORIGIN' "$out/faiss-node.node"
else
  echo "paperboy: no system libfaiss; fetching faiss-node's prebuilt binary"
  (cd "$FN" && ../.bin/prebuild-install --runtime napi) || {
    echo "paperboy: no faiss-node binary. On Debian/Ubuntu: apt-get install libfaiss-dev libopenblas0-pthread cmake g++ patchelf, then npm install" >&2
    exit 1
  }
fi
