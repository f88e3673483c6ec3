package decode

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const fixtureELF = "testdata/elf/fw.elf"

func loadFixture(t testing.TB) *Symbolizer {
	t.Helper()
	s, err := OpenELF(fixtureELF)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// golden splits addr2line -pfia output into per-address records.
func parseAddr2Line(t *testing.T, path string) (addrs []uint32, recs []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ln := range strings.SplitAfter(string(b), "\n") {
		if ln == "" {
			continue
		}
		if strings.HasPrefix(ln, "0x") {
			a, err := strconv.ParseUint(ln[2:10], 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			addrs = append(addrs, uint32(a))
			recs = append(recs, ln)
			continue
		}
		recs[len(recs)-1] += ln
	}
	return addrs, recs
}

func checkGolden(t *testing.T, s *Symbolizer, path string) int {
	addrs, recs := parseAddr2Line(t, path)
	bad := 0
	for i, a := range addrs {
		if got := s.Lookup(a).Addr2Line(); got != recs[i] {
			bad++
			if bad < 10 {
				t.Errorf("%s: pure Go says\n%s addr2line says\n%s", hex8(a), got, recs[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d addresses disagree with %s", bad, len(addrs), path)
	}
	return len(addrs)
}

// Every address of the hand-written crash dump (built from the fixture's
// real return addresses) resolves exactly as binutils' addr2line did when
// the fixture was built.
func TestSymbolizerAgreesWithAddr2LineOnCrashDump(t *testing.T) {
	s := loadFixture(t)
	n := checkGolden(t, s, "testdata/elf/addr2line.golden")
	// The golden must cover every code-range word of the dump.
	log, _ := os.ReadFile("testdata/elf/crash.log")
	words := regexp.MustCompile(`(?i)(?:\b|0x)4[0-3][0-9a-f]{6}\b`).FindAllString(string(log), -1)
	if n != len(words) || n < 15 {
		t.Fatalf("golden has %d addresses, crash.log has %d code-range words", n, len(words))
	}
}

// Exhaustive: every byte address of both code sections (IRAM and irom0).
func TestSymbolizerAgreesWithAddr2LineOnAllCode(t *testing.T) {
	s := loadFixture(t)
	if n := checkGolden(t, s, "testdata/elf/allcode.golden"); n < 300 {
		t.Fatalf("only %d addresses", n)
	}
}

func TestIRAMFoundWhereSeekPCFails(t *testing.T) {
	s := loadFixture(t)
	loc := s.Lookup(0x40100031)
	if len(loc.Frames) == 0 || loc.Frames[0].Func != "timer_isr" || loc.Frames[0].Line != 66 {
		t.Fatalf("IRAM address: %+v", loc)
	}
}

func TestReturnAddressCheck(t *testing.T) {
	s := loadFixture(t)
	for pc, want := range map[uint32]bool{
		0x40201059: true,  // after call0 read_sensor
		0x402010a2: true,  // after callx0 a0 (timer_isr, flash -> IRAM)
		0x40100031: true,  // IRAM, after callx0
		0x402010e4: true,  // app_main's call0 loop
		0x402010e8: false, // util_mix entry: a function pointer, not a return address
		0x40201044: false, // literal pool
		0x4020101f: false, // the faulting load itself
		0x40205abc: false, // outside the ELF
		0x40000f49: false, // ROM
	} {
		if got := s.IsReturnAddress(pc); got != want {
			t.Errorf("IsReturnAddress(%s) = %v, want %v", hex8(pc), got, want)
		}
	}
}

func TestOpenELFErrors(t *testing.T) {
	if _, err := OpenELF("testdata/elf/nonexistent.elf"); err == nil {
		t.Fatal("no error for a missing file")
	}
	if _, err := OpenELF("testdata/elf/fw.c"); err == nil {
		t.Fatal("no error for a non-ELF")
	}
}
