#!/usr/bin/env bash
# Installs what the end-to-end and storage tests start: s3rver and azurite (npm, into
# .tools/), and Chromium with its driver (apt) for the dashboard's browser test.
# Idempotent and quick when everything is already there.
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
# The dashboard's browser test drives Debian's headless Chromium through its chromedriver.
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing chromium and chromium-driver (apt) ..." >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2 \
      || echo "could not install chromium: the dashboard's browser test will be skipped" >&2
  else
    echo "chromium or chromedriver missing (apt-get install chromium chromium-driver): the dashboard's browser test will be skipped" >&2
  fi
fi
# The nats, rabbitmq and kinesis connector tests: nats-server and rabbitmq-server from Debian
# (the tests start private processes on loopback; the packages' services are stopped and
# disabled), kinesalite from npm into .tools/.
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ] || [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "installing nats-server and rabbitmq-server (apt) ..." >&2
    if apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server rabbitmq-server >&2; then
      for service in nats-server rabbitmq-server epmd; do
        (service "$service" stop || true; update-rc.d "$service" disable || true; systemctl disable --now "$service" || true) >/dev/null 2>&1
      done
    else
      echo "could not install nats-server or rabbitmq-server: their connector tests will be skipped" >&2
    fi
  else
    echo "nats-server or rabbitmq-server missing (apt-get install nats-server rabbitmq-server): their connector tests will be skipped" >&2
  fi
fi
if command -v npm >/dev/null 2>&1 && [ ! -f "$tools/node_modules/kinesalite/index.js" ]; then
  echo "installing kinesalite into .tools/ ..." >&2
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error kinesalite >&2 || echo "could not install kinesalite: the kinesis tests will be skipped" >&2
fi
# The redis and mqtt connector tests start their own redis-server and mosquitto on 127.0.0.1
# (Debian packages); the services the packages start are stopped and disabled right away.
for pair in redis-server:redis-server mosquitto:mosquitto; do
  binary="${pair%%:*}"; package="${pair##*:}"
  if ! command -v "$binary" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$binary" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
      echo "installing $package (apt) ..." >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package"; } >&2 \
        || echo "could not install $package: its connector tests will be skipped" >&2
      service "$package" stop >/dev/null 2>&1 || true
      update-rc.d "$package" disable >/dev/null 2>&1 || true
    else
      echo "$binary missing (apt-get install $package): its connector tests will be skipped" >&2
    fi
  fi
done
