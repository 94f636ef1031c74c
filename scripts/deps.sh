#!/usr/bin/env bash
# Installs what zhizhi needs to build, test and demo on Debian 12, as root.
# Idempotent: packages already present are skipped, so a second run is quick.
# ZZ_DEPS_BENCH=1 also installs the engines the benchmarks compare against;
# ZZ_DEPS_DEB=1 the Debian packaging tools.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config git curl ca-certificates
      libmicrohttpd-dev libyajl-dev libjansson-dev libsqlite3-dev sqlite3
      libmosquitto-dev mosquitto mosquitto-clients
      libsodium-dev libqrencode-dev libpng-dev libxlsxwriter-dev zlib1g-dev zbar-tools libcmocka-dev
      libcurl4-openssl-dev
      libsystemd-dev systemd
      clang libclang-rt-14-dev clang-format
      libwww-perl libxml-simple-perl
      python3 chromium fonts-noto-cjk
      prometheus)  # promtool checks GET /metrics (tests/integration/metrics_logs.test.mjs); ~22 s to install
# Node.js may come from elsewhere (its own npm inside); only ask Debian when absent.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
# ZZ_DEPS_DEB=1: what `make deb` and `make test-deb` need to build and check the package
if [ "${ZZ_DEPS_DEB:-0}" = 1 ]; then
  pkgs+=(debhelper dpkg-dev fakeroot lintian adduser openssl)
fi
if [ "${ZZ_DEPS_BENCH:-0}" = 1 ]; then
  pkgs+=(postgresql clickhouse-server clickhouse-client wrk)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" != 0 ]; then echo "deps: run as root to install packages" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for the pages and the browser tests; package-lock.json pins them.
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || [ package-lock.json -nt node_modules ]; then
    echo "deps: npm install" >&2
    # dependencies: the pages' charts, the browser driver and the tests' real
    # third-party clients (mqtt, ngsijs); devDependencies only regenerate the
    # pack's geometry (scenarios/gongshu/tools), so CI leaves them out.
    npm install --omit=dev --no-audit --no-fund --loglevel=error
    touch node_modules
  fi
fi
echo "deps: ok" >&2
