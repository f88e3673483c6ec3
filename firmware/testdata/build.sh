#!/bin/sh
# Rebuilds the ESP8266 ELF fixtures from firmware/testdata/fixture/ with
# Debian's cross compiler:
#   apt-get install gcc-xtensa-lx106 binutils-xtensa-lx106
# Outputs (committed, small): sketch.elf, eboot.elf, their stripped (-s)
# copies *.stripped.elf, and sections.txt (the
# section table as objdump prints it, which the Go tests compare with what
# FromELF puts in the image).
set -eu
cd "$(dirname "$0")"
CC=${CC:-xtensa-lx106-elf-gcc}
OBJDUMP=${OBJDUMP:-xtensa-lx106-elf-objdump}
# The Arduino core's flags that matter for layout: long calls (IRAM and
# flash are far apart), literals next to their code, one section per
# function/object so --gc-sections can drop unused ones (as Arduino does:
# the config block must survive it).
CFLAGS="-Os -g -std=gnu11 -ffreestanding -nostdlib -mlongcalls -mtext-section-literals \
 -ffunction-sections -fdata-sections -fno-tree-loop-distribute-patterns -Wall -Werror -fdebug-prefix-map=$(pwd)=."
$CC $CFLAGS -Wl,-n -Wl,--gc-sections -T fixture/sketch.ld -o sketch.elf fixture/sketch.c -lgcc
$CC $CFLAGS -Wl,-n -Wl,--gc-sections -T fixture/eboot.ld -o eboot.elf fixture/eboot.c -lgcc
# Small copies without debug info: fuzz seeds (the fuzzer minimises new
# inputs, cheaper on small seeds) and a stripped-ELF test.
${STRIP:-xtensa-lx106-elf-strip} -s -o sketch.stripped.elf sketch.elf
${STRIP:-xtensa-lx106-elf-strip} -s -o eboot.stripped.elf eboot.elf
{
  echo "# $($CC --version | head -1)"
  $OBJDUMP -h sketch.elf | awk '/^ *[0-9]+ /{print "sketch", $2, $3, $4}'
  $OBJDUMP -h eboot.elf | awk '/^ *[0-9]+ /{print "eboot", $2, $3, $4}'
} > sections.txt
echo "built: $(wc -c < sketch.elf) bytes sketch.elf, $(wc -c < eboot.elf) bytes eboot.elf"
