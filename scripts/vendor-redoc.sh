#!/usr/bin/env bash
# Refreshes the vendored Redoc bundle that /api/docs serves (no CDN: the
# binary carries it). Pin the version here; the checksum guards against a
# tarball that changed under the same version.
set -euo pipefail
VERSION=3.0.1
SHA256=8c70c2de83d33e33a75b225e573d6d9fe851f066f824b44b1637d831d52d7543
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "redoc@$VERSION" >/dev/null && tar xzf "redoc-$VERSION.tgz")
echo "$SHA256  $tmp/package/bundles/redoc.standalone.js" | sha256sum -c -
cp "$tmp/package/bundles/redoc.standalone.js" docs/vendor/redoc/
cp "$tmp/package/LICENSE" docs/vendor/redoc/LICENSE
echo "docs/vendor/redoc: redoc $VERSION"
