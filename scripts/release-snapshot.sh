#!/usr/bin/env bash
# Build every release artefact locally (archives for all platforms,
# checksums, the .deb) into dist/, without publishing anything.
# goreleaser is run with `go run` at a pinned version so it never enters
# go.mod; the first run downloads it through the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/.."
GORELEASER_VERSION=${GORELEASER_VERSION:-v2.15.1}
# goreleaser reads the commit from git, but gives "none" in a clone
# without a remote; pass it in for the version stamp.
BLYNKBRIDGE_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo none)
export BLYNKBRIDGE_COMMIT
go run "github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}" release --snapshot --clean --skip=publish "$@"
echo
echo "artefacts:"
ls -1 dist/*.tar.gz dist/*.zip dist/*.deb dist/checksums.txt 2>/dev/null
for deb in dist/*amd64*.deb; do
  [ -f "$deb" ] && command -v dpkg >/dev/null && { echo; echo "contents of $deb:"; dpkg -c "$deb"; }
done
