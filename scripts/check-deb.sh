#!/usr/bin/env bash
# Check a built .deb as Debian would: lintian (errors and warnings fail),
# then - only as root and only when asked (CHECK_DEB_INSTALL=1, e.g. in CI
# on a throwaway machine) - install, remove and purge it, and fail if
# anything of it is left behind.
set -euo pipefail
deb=${1:?usage: check-deb.sh PACKAGE.deb}
if command -v lintian >/dev/null; then
  echo "lintian $deb:"
  status=0
  out=$(lintian --fail-on error,warning "$deb" 2>&1) || status=$?
  printf '%s\n' "$out" | grep -v 'running with root privileges' || true
  if [ "$status" != 0 ]; then echo "lintian: errors or warnings above"; exit 1; fi
  echo "lintian: clean (no error or warning)"
else
  echo "lintian is not installed: $deb was not checked"
fi
if [ "${CHECK_DEB_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ] && command -v dpkg >/dev/null; then
  files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print substr($6, 2)}')
  dpkg -i "$deb" >/dev/null
  blynkbridge version >/dev/null
  man -w blynkbridge >/dev/null 2>&1 || { echo "man blynkbridge: not found after install"; exit 1; }
  dpkg -r blynkbridge >/dev/null
  left=""
  for f in $files; do [ -e "$f" ] && left="$left $f"; done
  [ -z "$left" ] || { echo "dpkg -r left:$left"; exit 1; }
  dpkg -P blynkbridge >/dev/null
  if dpkg -s blynkbridge >/dev/null 2>&1; then echo "dpkg -P: package still known"; exit 1; fi
  [ ! -e /etc/blynkbridge ] || [ -n "$(ls -A /etc/blynkbridge)" ] || { echo "purge left an empty /etc/blynkbridge"; exit 1; }
  echo "install, remove, purge: nothing left behind"
fi
