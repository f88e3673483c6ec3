package main

import (
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const decodeTestdata = "../../decode/testdata/"

// decodeLogToken is the auth token in decode/testdata/logs/boot-debug-74880.log.
const decodeLogToken = "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU"

func TestDecodeCrashWithELF(t *testing.T) {
	out, errs := runOK(t, "decode", decodeTestdata+"elf/crash.log", "--elf", decodeTestdata+"elf/fw.elf")
	assertContains(t, "output", out,
		"Exception (28):", // the original line is echoed
		"XX crash: Exception (28) LoadProhibited",
		"epc1     0x4020101f  scale at /fixture/fw.c:25",
		"inlined into  read_sensor at /fixture/fw.c:30",
		"stack    0x40100031  timer_isr at /fixture/fw.c:66",
		"Diagnosis: 2 problem(s)")
	if strings.Contains(errs, "warning") {
		t.Errorf("unexpected warning: %s", errs)
	}
}

// No --elf: a loud warning on stderr, not a silent undecoded dump.
func TestDecodeWarnsWithoutELF(t *testing.T) {
	_, errs, code := runCLI(t, "decode", decodeTestdata+"elf/crash.log")
	if code != bberr.OK || !strings.Contains(errs, "no --elf given: code addresses were NOT decoded") {
		t.Fatalf("exit %d, stderr: %s", code, errs)
	}
	_, errs, code = runCLI(t, "decode", decodeTestdata+"logs/exception-core24.log", "--elf", decodeTestdata+"elf/fw.elf")
	if code != bberr.OK || !strings.Contains(errs, "does not match 1 crash dump") {
		t.Fatalf("exit %d, stderr: %s", code, errs)
	}
}

func TestDecodeJSON(t *testing.T) {
	out, _ := runOK(t, "decode", decodeTestdata+"logs/boot-debug-74880.log", "--json")
	// The log's login frame carries its token: it never reaches the JSON.
	assertNoSecret(t, "JSON output", out, decodeLogToken)
	recs := v1Records(t, out)
	if last := recs[len(recs)-1]; len(recs) < 40 || last["kind"] != "diagnosis" {
		t.Fatalf("%d lines, last %v", len(recs), last)
	}
	// --no-diagnosis drops the record.
	out, _, _ = runCLI(t, "decode", decodeTestdata+"logs/boot-debug-74880.log", "--json", "--no-diagnosis")
	if strings.Contains(out, `"kind":"diagnosis"`) {
		t.Fatal("diagnosis printed with --no-diagnosis")
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, errs, code := runCLI(t, "decode", "does-not-exist.log"); code != bberr.BadInput || !strings.Contains(errs, "hint:") {
		t.Fatalf("missing file: exit %d %s", code, errs)
	}
	if _, _, code := runCLI(t, "decode", decodeTestdata+"logs/wifi-sdk.log", "--elf", decodeTestdata+"elf/fw.c"); code != bberr.BadInput {
		t.Fatalf("bad ELF: exit %d", code)
	}
}
