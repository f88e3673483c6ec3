#!/usr/bin/env bash
# Builds the flasher stub with Debian's gcc-xtensa-lx106.
#   build.sh              rebuild stub.elf (the committed, embedded image)
#   build.sh --check      rebuild into a temp dir; fail if stub.elf differs
#   build.sh --qemu OUT   build the test-HAL variant (qemu, semihosting) to OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/src
cc=${CC_XTENSA:-xtensa-lx106-elf-gcc}
strip=${STRIP_XTENSA:-xtensa-lx106-elf-strip}
command -v "$cc" >/dev/null || { echo "build.sh: $cc not found (Debian: apt-get install gcc-xtensa-lx106)" >&2; exit 3; }
# -mlongcalls: the ROM (0x4000xxxx) is out of CALL0 range of IRAM code.
# No libc/libgcc: the sources bring memcpy/memset and avoid division.
cflags=(-Os -g0 -Wall -Wextra -Werror -std=gnu11 -mlongcalls -mtext-section-literals
  -ffreestanding -fno-builtin -fno-tree-loop-distribute-patterns -fno-jump-tables
  -ffunction-sections -fdata-sections -nostdlib -nostartfiles
  -Wl,--gc-sections -Wl,--build-id=none -Wl,-L"$src")
common=("$src/start.S" "$src/stub.c" "$src/inflate.c")

build() { # out hal ldscript
  "$cc" "${cflags[@]}" -o "$1" "${common[@]}" "$2" -T "$3"
  "$strip" --strip-all -R .comment "$1"
}

case "${1:-}" in
  --qemu)
    build "$2" "$src/hal_qemu.c" "$src/layout.ld" ;;
  --check)
    t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
    build "$t/stub.elf" "$src/hal_esp8266.c" "$src/esp8266.ld"
    if ! cmp -s "$t/stub.elf" "$here/stub.elf"; then
      echo "flash/stub/stub.elf is not what the sources build: run flash/stub/build.sh and commit" >&2
      exit 1
    fi
    echo "flash/stub/stub.elf matches its sources" ;;
  "")
    build "$here/stub.elf" "$src/hal_esp8266.c" "$src/esp8266.ld"
    ls -l "$here/stub.elf" ;;
  *) echo "usage: build.sh [--check | --qemu OUT]" >&2; exit 2 ;;
esac
