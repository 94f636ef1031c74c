#!/usr/bin/env bash
# Builds the Debian package (zhizhi_VERSION_ARCH.deb) into OUT (default
# build-deb/) with debhelper, from a copy of this working tree: the tracked
# and new files (what git would commit) plus the pages' vendor file, which
# comes from npm. `make deb` runs it after `make build`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build-deb}")
ver=$(dpkg-parsechangelog -S Version)
src="$out/zhizhi-$ver"
rm -rf "$src" "$out"/zhizhi_*
mkdir -p "$src"
git ls-files -co --exclude-standard -z | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - | tar -xf - -C "$src"
mkdir -p "$src/web/vendor" && cp web/vendor/echarts.min.js "$src/web/vendor/"
(cd "$src" && dpkg-buildpackage -b -us -uc -j"${JOBS:-2}" >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log" >&2
  echo "build-deb: dpkg-buildpackage failed; the log is $out/build.log" >&2
  exit 1
}
ls "$out"/zhizhi_"$ver"_*.deb
