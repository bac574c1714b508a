#!/usr/bin/env bash
# OS packages Khala's build needs: make, Node.js + npm (npm installs bun, Reflex's frontend toolchain, from the
# npm registry). Installs only what is missing: the image's build stage gets all of them, a developer machine or
# CI usually none. Debian/Ubuntu (apt-get).
set -euo pipefail
missing=()
command -v make >/dev/null || missing+=(make)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v unzip >/dev/null || missing+=(unzip)
if [ ${#missing[@]} -eq 0 ]; then
  echo "os packages: make, node, npm and unzip are present"
  exit 0
fi
echo "os packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
rm -rf /var/lib/apt/lists/*
