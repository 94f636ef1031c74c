#!/usr/bin/env bash
# Checks the Debian package built by `make deb` on this machine, as root
# (`make test-deb`; not in `make test`: it installs into the system):
#   1. lintian on the .deb (findings printed; an error-level one fails)
#   2. install with apt (its dependencies come from Debian), then the files,
#      the conffile, the user and the state directory are where they belong
#   3. the unit's ExecStartPre and ExecStart, as the unit's user: through
#      systemctl when systemd is PID 1, else the unit's own command lines run
#      as user zhizhi in /var/lib/zhizhi; /healthz and the pages answer, and
#      SIGTERM stops it with exit 0
#   4. purge, and nothing of the package is left (files, user, state)
# It refuses to run where zhizhi is installed already: it would purge it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")
ver=$(dpkg-parsechangelog -S Version)
deb=$(ls "$out"/zhizhi_"$ver"_*.deb)
step() { echo "test-deb: $*" >&2; }
die() { echo "test-deb: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (it installs the package)"
if dpkg-query -W -f='${Status}' zhizhi 2>/dev/null | grep -q installed || [ -e /etc/zhizhi ] || [ -e /var/lib/zhizhi ]; then
  die "zhizhi is installed here already (or /etc/zhizhi, /var/lib/zhizhi exist): not touching it"
fi

step "lintian $deb"
lintian --display-info "$deb" >"$out/lintian.txt" 2>&1 || true
cat "$out/lintian.txt" >&2
if grep -q '^E: ' "$out/lintian.txt"; then die "lintian reports errors (above; $out/lintian.txt)"; fi

server=
cleanup() {
  [ -n "$server" ] && kill -KILL "$server" 2>/dev/null || true
  if dpkg-query -W -f='${Status}' zhizhi 2>/dev/null | grep -q installed; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq zhizhi >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

step "install"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" >"$out/install.log" 2>&1 ||
  { cat "$out/install.log" >&2; die "apt-get install"; }
for f in /usr/bin/zhizhi /usr/share/zhizhi/web/index.html /usr/share/zhizhi/web/vendor/echarts.min.js \
  /usr/share/zhizhi/scenarios/gongshu/pack.json /etc/zhizhi/zhizhi.conf \
  /lib/systemd/system/zhizhi.service /usr/share/doc/zhizhi/examples/nginx-zhizhi.conf; do
  [ -e "$f" ] || die "$f is missing"
done
dpkg-query -W -f='${Conffiles}\n' zhizhi | grep -q '/etc/zhizhi/zhizhi.conf' || die "zhizhi.conf is no conffile"
getent passwd zhizhi >/dev/null || die "no user zhizhi"
[ "$(stat -c %U:%a /var/lib/zhizhi)" = zhizhi:750 ] || die "/var/lib/zhizhi: $(stat -c %U:%a /var/lib/zhizhi)"
[ "$(stat -c %G:%a /etc/zhizhi/zhizhi.conf)" = zhizhi:640 ] || die "zhizhi.conf: $(stat -c %G:%a /etc/zhizhi/zhizhi.conf)"

# a free port instead of 8080 (this machine may run other servers): the
# edit an operator makes, in the installed conffile
sed -i 's/^listen = .*/listen = 127.0.0.1:0/' /etc/zhizhi/zhizhi.conf
unit=/lib/systemd/system/zhizhi.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
if [ -d /run/systemd/system ]; then
  step "systemd is PID 1: systemctl start zhizhi"
  systemctl start zhizhi || { journalctl -u zhizhi --no-pager | tail -20 >&2; die "systemctl start"; }
  base=$(journalctl -u zhizhi --no-pager -o cat | sed -n 's/^zhizhi: listening on //p' | tail -1)
else
  step "no systemd here (PID 1 is $(cat /proc/1/comm)): the unit's commands as $user in $workdir"
  step "  $pre"
  (cd "$workdir" && setpriv --reuid="$user" --regid="$user" --init-groups $pre) || die "ExecStartPre refused"
  step "  $start"
  (cd "$workdir" && exec setpriv --reuid="$user" --regid="$user" --init-groups $start) >"$out/serve.out" 2>"$out/serve.err" &
  server=$!
  base=
  for _ in $(seq 100); do
    base=$(sed -n 's/^zhizhi: listening on //p' "$out/serve.out")
    [ -n "$base" ] && break
    kill -0 "$server" 2>/dev/null || { cat "$out/serve.err" >&2; die "the server exited"; }
    sleep 0.1
  done
fi
[ -n "$base" ] || die "the server did not say where it listens"
step "listening on $base"
curl -fsS "$base/healthz" >/dev/null || die "/healthz"
curl -fsS "$base/" | grep -q '<html' || die "the pages from /usr/share/zhizhi/web"
[ -f /var/lib/zhizhi/zhizhi.db ] || die "no store in /var/lib/zhizhi"
[ "$(stat -c %U /var/lib/zhizhi/zhizhi.db)" = "$user" ] || die "the store is not $user's"
if [ -n "$server" ]; then
  kill -TERM "$server"
  rc=0; wait "$server" || rc=$?
  server=
  [ "$rc" = 0 ] || { cat "$out/serve.err" >&2; die "exit $rc after SIGTERM"; }
else
  systemctl stop zhizhi
fi
step "stopped with exit 0"

step "purge"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq zhizhi >"$out/purge.log" 2>&1 || { cat "$out/purge.log" >&2; die "purge"; }
left=()
for f in /usr/bin/zhizhi /usr/share/zhizhi /usr/share/doc/zhizhi /etc/zhizhi /var/lib/zhizhi \
  /lib/systemd/system/zhizhi.service /etc/systemd/system/multi-user.target.wants/zhizhi.service; do
  [ -e "$f" ] && left+=("$f")
done
getent passwd zhizhi >/dev/null && left+=("user zhizhi")
getent group zhizhi >/dev/null && left+=("group zhizhi")
[ ${#left[@]} = 0 ] || die "left after purge: ${left[*]}"
step "ok: lintian, install, the service as $user, purge left nothing"
