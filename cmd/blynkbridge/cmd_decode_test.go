package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/blynkbridge/blynkbridge/monitor"

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

// writeMonitorLog writes lines as `blynkbridge monitor --log` does (the
// monitor's own RawLog), with a note between them.
func writeMonitorLog(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "monitor.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	rl := monitor.NewRawLog(f)
	at := time.Date(2026, 11, 28, 10, 11, 12, 0, time.UTC)
	for i, l := range lines {
		if i == 1 {
			_ = rl.Note(at, "reset (listening at 74880 baud for the ROM banner)")
		}
		_ = rl.Write(at.Add(time.Duration(i)*time.Second), []byte(l))
	}
	if err := rl.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// decode reads the monitor's own --log format: two certificate mismatches
// are diagnosed (not "no problems found"), and it says what it detected.
func TestDecodeMonitorLogFormat(t *testing.T) {
	path := writeMonitorLog(t,
		"[8503] Connecting to blynk.lan:9443\r\n", "[9812] Certificate doesn't match\r\n",
		"[13503] Connecting to blynk.lan:9443\r\n", "[14812] Certificate doesn't match\r\n")
	out, _ := runOK(t, "decode", path)
	assertContains(t, "output", out,
		"input: lines start with a bracketed host date and time \"[YYYY-MM-DD HH:MM:SS.mmm] \" (the layout of `blynkbridge monitor --log`",
		"note by blynkbridge monitor: reset",
		"the server certificate does not match the fingerprint in the sketch", "Diagnosis: 1 problem(s)")
	if strings.Contains(out, "no problems found") {
		t.Fatal(out)
	}
}

// UTF-16 logs (Notepad's "Unicode", PowerShell's > redirection), with and
// without a byte-order mark, decode like the UTF-8 original.
func TestDecodeUTF16(t *testing.T) {
	const log = "[8503] Connecting to 192.168.0.251\r\n[9812] Certificate doesn't match\r\n[12000] Connecting to 192.168.0.251\r\n[13100] Certificate doesn't match\r\n"
	for _, c := range []struct {
		name string
		bom  bool
		big  bool
		say  string
	}{{"le-bom", true, false, "UTF-16LE with a byte-order mark"}, {"le", false, false, "UTF-16LE without a byte-order mark"},
		{"be-bom", true, true, "UTF-16BE with a byte-order mark"}} {
		var b []byte
		order := binary.AppendByteOrder(binary.LittleEndian)
		if c.big {
			order = binary.BigEndian
		}
		if c.bom {
			b = order.AppendUint16(b, 0xFEFF)
		}
		for _, u := range utf16.Encode([]rune(log)) {
			b = order.AppendUint16(b, u)
		}
		path := filepath.Join(t.TempDir(), c.name+".log")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, _ := runOK(t, "decode", path)
		assertContains(t, c.name, out, "input: the file is "+c.say, "TLS by IP address can never pass")
		if strings.Contains(out, "baud") {
			t.Fatalf("%s: blames the baud rate:\n%s", c.name, out)
		}
	}
}

// Tokens are masked in text and JSON unless --unredacted, which warns.
func TestDecodeUnredacted(t *testing.T) {
	const tok = "Qw3rTy8uIo9pAs7dFg6hJk5lZx4cVb2n"
	path := filepath.Join(t.TempDir(), "t.log")
	log := "> [1501] <[1D|00|01|00] " + tok + "\r\n> [1920] >[00|00|01|00|C8]\r\n> [1920] Ready (ping: 418ms).\r\n" +
		"[34151] WiFi SSID: home Pass: hunter22secret\r\n[34152] Blynk cloud: " + tok + " @ blynk.cloud:443\r\n"
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"decode", path}, {"decode", path, "--json"}} {
		out, errs := runOK(t, args...)
		assertNoSecret(t, strings.Join(args, " "), out, tok)
		assertNoSecret(t, strings.Join(args, " "), out, "hunter22secret")
		if strings.Contains(errs, "unredacted") {
			t.Fatal(errs)
		}
	}
	out, errs := runOK(t, "decode", path, "--json", "--unredacted")
	if !strings.Contains(out, tok) || !strings.Contains(out, "hunter22secret") || !strings.Contains(errs, "warning: --unredacted") {
		t.Fatalf("--unredacted: token shown %v, warning %q", strings.Contains(out, tok), errs)
	}
}

// A FIFO or a device is refused with one error and a hint, never read forever.
func TestDecodeRefusesDevice(t *testing.T) {
	_, errs, code := runCLI(t, "decode", "/dev/zero")
	if code == bberr.OK || !strings.Contains(errs, "error:") || !strings.Contains(errs, "hint:") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}
