#!/usr/bin/env bash
# `npm test`: install what is missing, lint, type-check, then the whole mocha suite against
# real services (the suite starts those not already running, and stops them at the end).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install.sh
echo "test      | lint";       node_modules/.bin/eslint --max-warnings 0 .
echo "test      | type-check"; node_modules/.bin/tsc -p tsconfig.json --noEmit
echo "test      | mocha";      exec node_modules/.bin/mocha "$@"
