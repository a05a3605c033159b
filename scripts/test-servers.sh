#!/usr/bin/env bash
# Installs and runs the storage servers used by tests: s3rver (S3) and azurite (Azure Blob).
# The xunit fixtures in tests/Arroyo.Storage.Tests do the same on their own; this script is
# for end-to-end runs of `arroyo run -s s3::http://127.0.0.1:PORT/bucket/...` by hand or CI.
#
#   scripts/test-servers.sh install                  npm install into .tools/ (git-ignored)
#   scripts/test-servers.sh start s3rver PORT DIR    start s3rver on 127.0.0.1:PORT, data in DIR;
#                                                    prints its pid (creds S3RVER/S3RVER); bucket
#                                                    BUCKET is created if S3_BUCKET=BUCKET is set
#   scripts/test-servers.sh start azurite PORT DIR   start azurite-blob; prints its pid. Connect with
#                                                    AZURE_STORAGE_USE_EMULATOR=true and
#                                                    AZURE_STORAGE_ENDPOINT=http://127.0.0.1:PORT/devstoreaccount1
#   scripts/test-servers.sh stop PID                 stop a server started above
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
modules="$tools/node_modules"

need() { command -v "$1" >/dev/null 2>&1 || { echo "test-servers: '$1' is not on PATH (apt-get install nodejs npm)" >&2; exit 2; }; }

install() {
  need node; need npm
  if [[ -f "$modules/s3rver/bin/s3rver.js" && -f "$modules/azurite/dist/src/blob/main.js" ]]; then
    return 0
  fi
  mkdir -p "$tools"
  npm install --no-audit --no-fund --prefix "$tools" s3rver azurite >&2
}

wait_port() {
  local port="$1" pid="$2"
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then echo "test-servers: server exited early" >&2; exit 1; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "test-servers: nothing listens on 127.0.0.1:$port after 30 s" >&2
  exit 1
}

start() {
  local kind="$1" port="$2" dir="$3"
  install
  mkdir -p "$dir"
  case "$kind" in
    s3rver)
      local extra=()
      # s3rver creates a bucket at start-up when told to.
      if [[ -n "${S3_BUCKET:-}" ]]; then extra=(--configure-bucket "$S3_BUCKET"); fi
      nohup node "$modules/s3rver/bin/s3rver.js" --address 127.0.0.1 --port "$port" --directory "$dir" --silent "${extra[@]}" \
        >"$dir.log" 2>&1 &
      ;;
    azurite)
      # --skipApiVersionCheck: the .NET SDK may speak a newer service version than azurite knows.
      nohup node "$modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort "$port" --location "$dir" \
        --silent --skipApiVersionCheck --loose >"$dir.log" 2>&1 &
      ;;
    *) echo "test-servers: unknown server '$kind' (s3rver or azurite)" >&2; exit 2 ;;
  esac
  local pid=$!
  wait_port "$port" "$pid"
  echo "$pid"
}

case "${1:-}" in
  install) install ;;
  start) [[ $# -eq 4 ]] || { echo "usage: $0 start s3rver|azurite PORT DIR" >&2; exit 2; }; start "$2" "$3" "$4" ;;
  stop) [[ $# -eq 2 ]] || { echo "usage: $0 stop PID" >&2; exit 2; }; kill "$2" 2>/dev/null || true ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
