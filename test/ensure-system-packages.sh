#!/usr/bin/env bash
# Installs the Debian packages that integration tests start (slapd, samba, nginx...) when a
# binary is missing. As root it installs them; otherwise it prints the exact command and fails.
set -euo pipefail
# binary:package pairs; extend as tests need more.
REQUIRED=(nginx:nginx)
missing=()
for pair in "${REQUIRED[@]+"${REQUIRED[@]}"}"; do
  bin="${pair%%:*}"; pkg="${pair##*:}"
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then missing+=("$pkg"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing test dependencies: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "tests need these Debian packages: ${missing[*]}" >&2
  echo "run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
