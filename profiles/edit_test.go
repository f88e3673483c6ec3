package profiles

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentAddAllLand: 20 adds at once, each opening the lock file on
// its own (as 20 processes would; flock locks belong to the open file, so
// this excludes as processes do): all 20 are in the file, and one default.
func TestConcurrentAddAllLand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "profiles.toml")
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Add(context.Background(), path, &Profile{Name: fmt.Sprintf("b%02d", i), Port: "/dev/ttyUSB0"}, AddOptions{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.Names()); n != 20 {
		t.Fatalf("%d of 20 profiles survived", n)
	}
	if f.Default == "" {
		t.Fatal("no default")
	}
}

// TestSaveThroughSymlink: a symlinked profiles.toml (dotfiles repos) stays
// a symlink; its target gets the new contents, atomically and 0600.
func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "profiles.toml")
	os.MkdirAll(filepath.Dir(target), 0o700)
	if err := os.WriteFile(target, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "profiles.toml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if err := Use(context.Background(), link, "pi"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	f, err := Load(target)
	if err != nil || f.Default != "pi" {
		t.Fatalf("target not updated: %v", err)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
}

// TestRenderingIsSafe: stored fields with escape sequences or invisible
// characters never reach the terminal raw, and the token never at all.
func TestRenderingIsSafe(t *testing.T) {
	f := New("p.toml")
	p := &Profile{Name: "evil", Port: "/dev/ttyUSB0\x1b[2J", Server: "blynk.lan:9443", TokenEnv: "TOK", Image: "/fw/\u200eimg.bin"}
	f.profiles["evil"] = p
	f.Default = "evil"
	var out bytes.Buffer
	if err := f.WriteList(&out); err != nil {
		t.Fatal(err)
	}
	f.WriteShow(&out, p)
	if strings.ContainsAny(out.String(), "\x1b\u200e") {
		t.Fatalf("raw control bytes printed:\n%q", out.String())
	}
	if !strings.Contains(out.String(), `\x1b[2J`) || !strings.Contains(out.String(), `\u200e`) {
		t.Fatalf("escaped forms missing:\n%s", out.String())
	}
}
