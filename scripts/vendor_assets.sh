#!/usr/bin/env bash
# Re-vendor the front-end assets from the npm registry (see src/haihe/web/static/vendor/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/src/haihe/web/static/vendor"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm pack @picocss/pico@2.1.1 --silent >/dev/null
tar xzf picocss-pico-2.1.1.tgz
mkdir -p "$dest/pico"
cp package/css/pico.min.css "$dest/pico/"
cp package/LICENSE.md "$dest/pico/LICENSE.md"
npm pack echarts@5.6.0 --silent >/dev/null
rm -rf package && tar xzf echarts-5.6.0.tgz
mkdir -p "$dest/echarts"
cp package/dist/echarts.min.js package/LICENSE package/NOTICE "$dest/echarts/"
echo "vendored into $dest"
