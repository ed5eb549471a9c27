#!/usr/bin/env bash
# The whole test suite: system packages the tests need, a clean build, then every *.test.js.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/ensure-system-packages.sh
rm -rf dist
npx tsc -p tsconfig.json
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
node --test --test-concurrency=2 "${files[@]}"
