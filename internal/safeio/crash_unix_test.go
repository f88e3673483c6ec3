//go:build unix

package safeio

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// A process killed in the middle of a write (SIGKILL: no cleanup runs)
// leaves the old file intact, and the next write works.
func TestWriteFileCrashKeepsOld(t *testing.T) {
	const old = "old contents\n"
	if p := os.Getenv("BB_CRASH_HELPER"); p != "" {
		writeHook = func(f *os.File, data []byte) error {
			_, _ = f.Write(data[:len(data)/2])
			_ = f.Sync()
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		_ = WriteFile(p, []byte("new contents, long enough to cut in half\n"), 0o600, true)
		os.Exit(4) // not reached
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.toml")
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileCrashKeepsOld$")
	cmd.Env = append(os.Environ(), "BB_CRASH_HELPER="+path)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die by SIGKILL: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != old {
		t.Fatalf("old file damaged:\n%s", b)
	}
	if err := WriteFile(path, []byte("next\n"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "next\n" {
		t.Fatalf("write after crash: %q", b)
	}
}

// A write that fails half-way (disk full) leaves the old file and no temp
// file.
func TestWriteFileFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "profiles.toml")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := writeHook
	t.Cleanup(func() { writeHook = old })
	writeHook = func(f *os.File, data []byte) error {
		_, _ = f.Write(data[:len(data)/2])
		return syscall.ENOSPC
	}
	if err := WriteFile(path, []byte("new contents"), 0o600, true); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatal("old file changed")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temp file left: %v", ents)
	}
}
