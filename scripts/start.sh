#!/usr/bin/env bash
# `npm start`: install what is missing, then run the whole stack in the foreground.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
exec "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/start.ts"
