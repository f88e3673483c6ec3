package flash

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/blynkbridge/blynkbridge/flash/rom"
)

func TestChangedRuns(t *testing.T) {
	const sec = rom.SectorSize
	base := bytes.Repeat([]byte{0xAA}, 10*sec+100)
	img := append([]byte(nil), base...)
	img[2*sec+5] ^= 1  // sector 2
	img[3*sec] ^= 1    // sector 3 (adjacent: merged)
	img[7*sec+9] ^= 1  // sector 7
	img[10*sec+50] = 0 // partial last sector
	got := changedRuns(img, base)
	want := []Range{{2 * sec, 4 * sec}, {7 * sec, 8 * sec}, {10 * sec, 10*sec + 100}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	// A shorter base: the tail differs.
	got = changedRuns(img[:3*sec], base[:sec])
	if !reflect.DeepEqual(got, []Range{{sec, 3 * sec}}) {
		t.Fatalf("short base: %v", got)
	}
	if got := changedRuns(img, img); len(got) != 0 {
		t.Fatalf("identical: %v", got)
	}
}

// A one-sector run inside a 64 KiB block would make the ROM erase the next
// sector too: the run must grow to rewrite it.
func TestCoverOverErase(t *testing.T) {
	const sec = rom.SectorSize
	got := coverOverErase([]Range{{5 * sec, 6 * sec}, {9 * sec, 12 * sec}}, 0, 256*sec)
	want := []Range{{5 * sec, 7 * sec}, {9 * sec, 13 * sec}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// Extension reaching the next run merges them.
	got = coverOverErase([]Range{{5 * sec, 6 * sec}, {6 * sec, 7 * sec}}, 0, 256*sec)
	if !reflect.DeepEqual(got, []Range{{5 * sec, 7 * sec}}) {
		t.Fatalf("merge: %v", got)
	}
	// At the image end nothing can be added.
	got = coverOverErase([]Range{{0, 3 * sec}}, 0, 3*sec)
	if !reflect.DeepEqual(got, []Range{{0, 3 * sec}}) {
		t.Fatalf("end: %v", got)
	}
	for _, r := range coverOverErase([]Range{{15 * sec, 16 * sec}, {30 * sec, 33 * sec}}, 0x10000, 256*sec) {
		if overErase(0x10000+r.Start, r.Len()) != 0 {
			t.Fatalf("run %v still over-erases", r)
		}
	}
}

func TestBackAlign(t *testing.T) {
	off, data := backAlign(0x1010, []byte{1, 2})
	if off != 0x1000 || len(data) != 0x12 || data[0] != 0xFF || data[0x10] != 1 {
		t.Fatalf("0x%x % X", off, data)
	}
	if off, d := backAlign(0x2000, []byte{1}); off != 0x2000 || len(d) != 1 {
		t.Fatal("aligned offset changed")
	}
}

func TestRangeText(t *testing.T) {
	e := &PartialError{Target: Range{0, 0x100000}, Confirmed: 0x40000, Cause: errTimeout}
	want := "flash write stopped: wrote 0x0-0x3ffff (256 KiB) of 0x0-0xfffff; not written: 0x40000-0xfffff: timed out waiting for a reply"
	if e.Error() != want {
		t.Fatalf("\n got %s\nwant %s", e.Error(), want)
	}
}

// Issue 18 item 5: a changed last sector of a 1 MiB image is written with
// the sector before it, so the ROM erases exactly the image's sectors and
// nothing at 0x100000.
func TestCoverOverEraseGrowsBackwardsAtTheImageEnd(t *testing.T) {
	const n = 1 << 20
	got := coverOverErase([]Range{{0xFF000, n}}, 0, n)
	if len(got) != 1 || got[0] != (Range{0xFE000, n}) {
		t.Fatalf("runs %v, want [0xfe000-0xfffff]", got)
	}
	if x := overErase(got[0].Start, got[0].Len()); x != 0 {
		t.Fatalf("still erases %d sector(s) past the image", x)
	}
	// Growing backwards merges with a run just before.
	got = coverOverErase([]Range{{0xFD000, 0xFE000}, {0xFF000, n}}, 0, n)
	for _, r := range got {
		if overErase(r.Start, r.Len()) != 0 || r.End > n {
			t.Fatalf("runs %v over-erase", got)
		}
	}
	// An image of one odd sector at a block start cannot grow backwards:
	// the over-erase stays (and Write warns about it).
	if got := coverOverErase([]Range{{0, 0x1000}}, 0x10000, 0x1000); len(got) != 1 || got[0] != (Range{0, 0x1000}) {
		t.Fatalf("%v", got)
	}
}
