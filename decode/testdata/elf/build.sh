#!/bin/sh
# Rebuilds the symbolizer fixture and captures what binutils' addr2line says
# about it, so the pure-Go symbolizer can be checked without the toolchain.
# Needs Debian's cross toolchain:
#   apt-get install -y gcc-xtensa-lx106 binutils-xtensa-lx106
# Run from anywhere; writes fw.elf, fw.dis, addr2line.golden and
# allcode.golden next to this script.
set -eu
cd "$(dirname "$0")"
CC=xtensa-lx106-elf-gcc
A2L=xtensa-lx106-elf-addr2line

# -mlongcalls as Arduino builds use it: calls from flash to IRAM become
# l32r+CALLX0, calls within flash get relaxed to CALL0, so both call forms
# the return-address check knows appear. The prefix map keeps the build
# directory out of the DWARF, so the ELF is the same wherever it is built.
$CC -g -O2 -mlongcalls -mtext-section-literals -fno-optimize-sibling-calls \
	-ffreestanding -nostdlib -fdebug-prefix-map="$(pwd)"=/fixture \
	-Wl,-T,fw.ld -Wl,--build-id=none -o fw.elf fw.c util.c
xtensa-lx106-elf-objdump -d fw.elf > fw.dis

# Every code-range word of the hand-written crash dump (epc1, excvaddr, the
# stack words and the failed-alloc caller), in dump order, one addr2line run.
ADDRS=$(grep -oiE '(\b|0x)4[0-3][0-9a-f]{6}\b' crash.log | sed 's/^0x//' | tr 'A-F' 'a-f' | sed 's/^/0x/')
# shellcheck disable=SC2086
$A2L -pfiaC -e fw.elf $ADDRS > addr2line.golden

# Every byte address of both code sections, for the exhaustive cross-check.
ALL=$(xtensa-lx106-elf-readelf -SW fw.elf | sed 's/^ *\[ *[0-9]*\]//' | awk '$7 ~ /X/ {print $3, $5}' |
	while read -r addr size; do
		a=$((0x$addr)); end=$((a + 0x$size))
		while [ $a -lt $end ]; do printf '0x%08x\n' $a; a=$((a + 1)); done
	done)
# shellcheck disable=SC2086
$A2L -pfiaC -e fw.elf $ALL > allcode.golden
echo "built fw.elf ($(wc -c < fw.elf) bytes), $(grep -c '^0x' addr2line.golden) crash addresses, $(grep -c '^0x' allcode.golden) code addresses"
