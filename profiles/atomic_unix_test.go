//go:build unix

package profiles

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// A process killed in the middle of a write (SIGKILL: no cleanup runs)
// leaves the old file intact; the next load and save work.
func TestAtomicWriteCrashKeepsOld(t *testing.T) {
	if os.Getenv("BB_CRASH_HELPER") != "" {
		writeHook = func(f *os.File, data []byte) error {
			_, _ = f.Write(data[:len(data)/2])
			_ = f.Sync()
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		f, err := Load(os.Getenv("BB_CRASH_HELPER"))
		if err != nil {
			os.Exit(3)
		}
		f.Default = "pi"
		_ = f.Save()
		os.Exit(4) // not reached
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.toml")
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAtomicWriteCrashKeepsOld$")
	cmd.Env = append(os.Environ(), "BB_CRASH_HELPER="+path)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die by SIGKILL: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != good {
		t.Fatalf("old file damaged:\n%s", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Fatalf("expected the old file and the crashed temp file, got %v", ents)
	}
	f, err := Load(path)
	if err != nil || f.Default != "desk" {
		t.Fatalf("load after crash: %v", err)
	}
	f.Default = "pi"
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	if g, _ := Load(path); g.Default != "pi" {
		t.Fatal("save after crash")
	}
}
