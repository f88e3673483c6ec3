package main

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/doctor"
)

func TestDoctorCommand(t *testing.T) {
	root := t.TempDir()
	_ = os.MkdirAll(filepath.Join(root, "dev"), 0o755)
	_ = os.WriteFile(filepath.Join(root, "dev/ttyUSB0"), nil, 0o644)
	_ = os.MkdirAll(filepath.Join(root, "proc/99"), 0o755)
	_ = os.WriteFile(filepath.Join(root, "proc/99/comm"), []byte("ModemManager\n"), 0o644)
	old := doctorSystem
	t.Cleanup(func() { doctorSystem = old })
	doctorSystem = func() doctor.System {
		return doctor.System{GOOS: "linux", Root: root, UID: 1000, GIDs: []int{1000},
			Owner:     func(string) (int, fs.FileMode, error) { return 20, 0o660, nil },
			GroupName: func(int) string { return "dialout" },
			Baud74880: func() error { return nil }}
	}
	out, errOut, code := runCLI(t, "doctor")
	if code != bberr.CheckFailed || !strings.Contains(out, "FAIL  permission") || !strings.Contains(out, "fix: sudo usermod -aG dialout $USER") ||
		!strings.Contains(out, "WARN  modemmanager") || !strings.Contains(errOut, "doctor found 1 problem(s): permission") {
		t.Fatalf("%d\n%s\n%s", code, out, errOut)
	}
	out, _, _ = runCLI(t, "doctor", "--json")
	var v struct {
		V        int
		OK       bool
		Findings []doctor.Finding
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.V != 1 || v.OK || len(v.Findings) < 5 {
		t.Fatalf("%v %+v\n%s", err, v, out)
	}
}
