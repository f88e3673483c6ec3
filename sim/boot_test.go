package sim

import (
	"regexp"
	"strings"
	"testing"
)

// The loader-line arithmetic against a captured NONOS SDK boot (three
// ROM-loaded segments, reference logs 2.3): lengths 816, 788, 288.
func TestROMLoadLinesMatchCapturedLog(t *testing.T) {
	img := buildImage(0x40100004, 0x20,
		testSeg{0x40100000, pattern(816, 1)},
		testSeg{0x3ffe8000, pattern(788, 2)},
		testSeg{0x3ffe8314, pattern(288, 3)})
	flash := append(img, make([]byte, 64)...)
	lines, _, ok := romLoadLines(flash)
	if !ok {
		t.Fatalf("not booted: %q", lines)
	}
	got := regexp.MustCompile(`0x[0-9a-f]{2}\r\n`).ReplaceAllString(lines, "0xXX\r\n")
	want := strings.Join([]string{
		"load 0x40100000, len 816, room 16 ", "tail 0", "chksum 0xXX",
		"load 0x3ffe8000, len 788, room 8 ", "tail 12", "chksum 0xXX",
		"ho 0 tail 12 room 4",
		"load 0x3ffe8314, len 288, room 12 ", "tail 4", "chksum 0xXX",
		"csum 0xXX", "",
	}, "\r\n")
	if got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestROMLoadLinesCorrupt(t *testing.T) {
	img := buildImage(0x40100004, 0x20, testSeg{0x40100000, pattern(100, 1)})
	img[20] ^= 0xFF // flip a data byte: checksum mismatch
	lines, _, ok := romLoadLines(append(img, 0xFF))
	if ok || !strings.HasSuffix(lines, "ets_main.c \r\n") {
		t.Fatalf("%q", lines)
	}
	// A segment header of erased flash: the ROM prints the absurd load
	// line and hangs (as in captured logs: "len -1").
	bad := []byte{0xE9, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x40, 0x10, 0, 0, 0}
	bad = append(bad, pattern(16, 1)...)
	bad = append(bad, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	lines, _, ok = romLoadLines(bad)
	if ok || !strings.Contains(lines, "load 0xffffffff, len -1, room 8 ") {
		t.Fatalf("%q", lines)
	}
	if lines, _, ok := romLoadLines([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}); ok || lines != "ets_main.c \r\n" {
		t.Fatalf("blank: %q", lines)
	}
}
