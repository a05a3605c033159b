#!/usr/bin/env bash
# Installs what the end-to-end and storage tests start: s3rver and azurite (npm, into
# .tools/). Idempotent and quick when everything is already there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
if command -v npm >/dev/null 2>&1; then
  if [ ! -x "$tools/node_modules/.bin/s3rver" ] || [ ! -x "$tools/node_modules/.bin/azurite-blob" ]; then
    echo "installing s3rver and azurite into .tools/ ..." >&2
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error s3rver azurite >&2
  fi
else
  echo "npm not found: S3 and Azure tests will be skipped" >&2
fi
