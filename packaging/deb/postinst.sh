#!/bin/sh
# Reload udev so the new rule applies to boards already plugged in, and let
# systemd see the relay unit. Both are best effort: containers have neither.
set -e
if command -v udevadm >/dev/null 2>&1; then
  udevadm control --reload-rules 2>/dev/null || true
  udevadm trigger --subsystem-match=tty --action=change 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
echo "blynkbridge: to use serial ports without sudo: sudo usermod -aG dialout \$USER (then log in again); check with: blynkbridge doctor"
