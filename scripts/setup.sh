#!/usr/bin/env bash
# Installs the independent judges the tests use: Blender, assimp, and npm's three, fbx2gltf
# and gltf-validator; Chromium and the viewer's npm packages (web/viewer) for its end-to-end
# test. Safe to run again; does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v blender >/dev/null || need+=(blender)
# The viewer's end-to-end test drives Debian's Chromium (never a browser npm downloads).
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v assimp >/dev/null || need+=(assimp-utils)
python3 -c 'import numpy' 2>/dev/null || dpkg -s python3-numpy >/dev/null 2>&1 || need+=(python3-numpy)
# promtool checks and unit-tests the Prometheus alerting rules (make infra-check).
command -v promtool >/dev/null || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# npm ci again when the lock file is newer than the installed tree (a judge was bumped).
if [ -f verify/node/package-lock.json ] && { [ ! -f verify/node/node_modules/.package-lock.json ] ||
  [ verify/node/package-lock.json -nt verify/node/node_modules/.package-lock.json ]; }; then
  (cd verify/node && npm ci --no-audit --no-fund --loglevel=error)
fi
# The viewer's build (esbuild, three) and its end-to-end driver (playwright-core).
if [ -f web/viewer/package-lock.json ] && { [ ! -f web/viewer/node_modules/.package-lock.json ] ||
  [ web/viewer/package-lock.json -nt web/viewer/node_modules/.package-lock.json ]; }; then
  (cd web/viewer && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -f verify/node/node_modules/fbx2gltf/bin/Linux/FBX2glTF ]; then
  chmod +x verify/node/node_modules/fbx2gltf/bin/Linux/FBX2glTF
fi

# The BigQuery emulator the catalog's contract tests run against, as a separate process. The
# module proxy refuses its version list, so fetch the exact version and build it from the cache.
BQ_EMULATOR_VERSION=v0.8.1
gobin="$(go env GOPATH)/bin"
if [ ! -x "$gobin/bigquery-emulator" ]; then
  echo "building bigquery-emulator $BQ_EMULATOR_VERSION (several minutes, once)"
  go mod download "github.com/goccy/bigquery-emulator@$BQ_EMULATOR_VERSION"
  src="$(go env GOMODCACHE)/github.com/goccy/bigquery-emulator@$BQ_EMULATOR_VERSION"
  (cd "$src" && go build -o "$gobin/bigquery-emulator" ./cmd/bigquery-emulator)
fi
