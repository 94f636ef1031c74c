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
#      and Debian's nginx (unpacked, not installed) with the example site
#      proxies to it over TLS
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

# the nginx example in front of it, with Debian's nginx (the binary from its
# package, unpacked here, not installed): nginx -t takes the file, and
# /healthz answers through it over TLS with the X-Forwarded-* headers set
ngx="$out/nginx"
rm -rf "$ngx" && mkdir -p "$ngx/run"
if (cd "$ngx" && apt-get download nginx >/dev/null 2>&1) && dpkg-deb -x "$ngx"/nginx_*.deb "$ngx/root"; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=zz.example.org -days 1 \
    -keyout "$ngx/key.pem" -out "$ngx/cert.pem" >/dev/null 2>&1
  sed -e "s#server 127.0.0.1:8080;#server ${base#http://};#" \
    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$port ssl http2;#" -e '/listen \[::\]/d' -e '/listen 80;/d' \
    -e "s#/etc/ssl/certs/zz.example.org.pem#$ngx/cert.pem#" -e "s#/etc/ssl/private/zz.example.org.key#$ngx/key.pem#" \
    /usr/share/doc/zhizhi/examples/nginx-zhizhi.conf >"$ngx/site.conf"
  t="$ngx/run"
  printf 'pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n access_log off;\n client_body_temp_path %s/body;\n proxy_temp_path %s/proxy;\n fastcgi_temp_path %s/fastcgi;\n uwsgi_temp_path %s/uwsgi;\n scgi_temp_path %s/scgi;\n include %s/site.conf;\n}\n' \
    "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$ngx" >"$ngx/nginx.conf"
  "$ngx/root/usr/sbin/nginx" -e "$ngx/run/error.log" -t -p "$ngx/run" -c "$ngx/nginx.conf" || die "nginx -t refuses the example"
  "$ngx/root/usr/sbin/nginx" -e "$ngx/run/error.log" -p "$ngx/run" -c "$ngx/nginx.conf" || die "nginx does not start with the example"
  ok=0
  for _ in $(seq 50); do
    curl -fsSk --resolve "zz.example.org:$port:127.0.0.1" "https://zz.example.org:$port/healthz" >/dev/null 2>&1 && { ok=1; break; }
    sleep 0.1
  done
  "$ngx/root/usr/sbin/nginx" -e "$ngx/run/error.log" -p "$ngx/run" -c "$ngx/nginx.conf" -s stop || true
  [ "$ok" = 1 ] || die "/healthz does not answer through nginx"
  step "nginx (Debian's $(basename "$ngx"/nginx_*.deb)) takes the example and proxies to zhizhi"
else
  step "nginx could not be downloaded: the example was NOT checked"
fi
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
