package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

const decodeTestdata = "../../decode/testdata/"

func TestDecodeCrashWithELF(t *testing.T) {
	code, out, errs := certRun(t, "decode", decodeTestdata+"elf/crash.log", "--elf", decodeTestdata+"elf/fw.elf")
	if code != bberr.OK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"Exception (28):", // the original line is echoed
		"XX crash: Exception (28) LoadProhibited",
		"epc1     0x4020101f  scale at /fixture/fw.c:25",
		"inlined into  read_sensor at /fixture/fw.c:30",
		"stack    0x40100031  timer_isr at /fixture/fw.c:66",
		"Diagnosis: 2 problem(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(errs, "warning") {
		t.Errorf("unexpected warning: %s", errs)
	}
}

// No --elf: a loud warning on stderr, not a silent undecoded dump.
func TestDecodeWarnsWithoutELF(t *testing.T) {
	code, _, errs := certRun(t, "decode", decodeTestdata+"elf/crash.log")
	if code != bberr.OK || !strings.Contains(errs, "no --elf given: code addresses were NOT decoded") {
		t.Fatalf("exit %d, stderr: %s", code, errs)
	}
	code, _, errs = certRun(t, "decode", decodeTestdata+"logs/exception-core24.log", "--elf", decodeTestdata+"elf/fw.elf")
	if code != bberr.OK || !strings.Contains(errs, "does not match 1 crash dump") {
		t.Fatalf("exit %d, stderr: %s", code, errs)
	}
}

func TestDecodeJSON(t *testing.T) {
	code, out, errs := certRun(t, "decode", decodeTestdata+"logs/boot-debug-74880.log", "--json")
	if code != bberr.OK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "Zx9kQ2mB7vLp4RtY8wNc3HdF6sJe1GaU") {
		t.Fatal("token in JSON output")
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	var last map[string]any
	for sc.Scan() {
		last = nil
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("line %d is not JSON: %v", n+1, err)
		}
		if last["v"] != 1.0 {
			t.Fatalf("line %d has no v:1: %s", n+1, sc.Text())
		}
		n++
	}
	if n < 40 || last["kind"] != "diagnosis" {
		t.Fatalf("%d lines, last %v", n, last)
	}
	// --no-diagnosis drops the record.
	_, out, _ = certRun(t, "decode", decodeTestdata+"logs/boot-debug-74880.log", "--json", "--no-diagnosis")
	if strings.Contains(out, `"kind":"diagnosis"`) {
		t.Fatal("diagnosis printed with --no-diagnosis")
	}
}

func TestDecodeErrors(t *testing.T) {
	if code, _, errs := certRun(t, "decode", "does-not-exist.log"); code != bberr.BadInput || !strings.Contains(errs, "hint:") {
		t.Fatalf("missing file: exit %d %s", code, errs)
	}
	if code, _, _ := certRun(t, "decode", decodeTestdata+"logs/wifi-sdk.log", "--elf", decodeTestdata+"elf/fw.c"); code != bberr.BadInput {
		t.Fatalf("bad ELF: exit %d", code)
	}
}
