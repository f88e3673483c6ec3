#!/usr/bin/env bash
# Build every release artefact locally (archives for all platforms,
# checksums, the .deb) into dist/, without publishing anything, then check
# the .deb with lintian when it is installed.
# goreleaser is a tool of the separate module tools/ (tools/go.mod pins
# v2.17.0): the go command builds it once and caches the binary, so only the
# first run compiles it. It is not in the main go.mod because it brings
# ~330 modules of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
# goreleaser reads the commit from git, but gives "none" in a clone
# without a remote; pass it in for the version stamp.
BLYNKBRIDGE_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo none)
export BLYNKBRIDGE_COMMIT
start=$(date +%s)
# `go tool -n` builds the tool if needed and prints the cached binary's path;
# goreleaser must run from the repository root.
GORELEASER=$(cd tools && go tool -n goreleaser)
goreleaser() { "$GORELEASER" "$@"; }
echo "goreleaser ready after $(( $(date +%s) - start )) s"
goreleaser release --snapshot --clean --skip=publish "$@"
echo
echo "artefacts ($(( $(date +%s) - start )) s):"
ls -1 dist/*.tar.gz dist/*.zip dist/*.deb dist/checksums.txt 2>/dev/null
for deb in dist/*amd64*.deb; do
  [ -f "$deb" ] || continue
  command -v dpkg >/dev/null && { echo; echo "contents of $deb:"; dpkg -c "$deb"; }
  echo
  bash scripts/check-deb.sh "$deb"
done
