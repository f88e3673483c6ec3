#!/bin/sh
# The package ships no conffiles: everything it installs is under /usr and
# goes with `dpkg -r`. On purge, also drop /etc/blynkbridge if the admin
# left it empty (profiles and tokens put there by hand are never deleted).
set -e
if command -v udevadm >/dev/null 2>&1; then
  udevadm control --reload-rules 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
if [ "$1" = purge ] && [ -d /etc/blynkbridge ]; then
  rmdir --ignore-fail-on-non-empty /etc/blynkbridge
fi
