//go:build unix

package safeio_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func code(err error) bberr.Code { return bberr.CodeOf(err) }

func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 2<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte("tok\n"), 0o600)
	for _, c := range []struct {
		name, path string
		want       bberr.Code
		msg        string
	}{
		{"fifo", mkfifo(t), bberr.BadInput, "named pipe"},
		{"dev-zero", "/dev/zero", bberr.BadInput, "character device"},
		{"directory", dir, bberr.BadInput, "directory"},
		{"too-large", big, bberr.BadInput, "larger than 1 KiB"},
		{"missing", filepath.Join(dir, "nope"), bberr.BadInput, "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := safeio.ReadFile(context.Background(), c.path, safeio.Token)
			if code(err) != c.want || !strings.Contains(err.Error(), c.msg) || bberr.HintOf(err) == "" {
				t.Fatalf("err %v (code %d, hint %q), want code %d with %q", err, code(err), bberr.HintOf(err), c.want, c.msg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
	if b, err := safeio.ReadFile(context.Background(), ok, safeio.Token); err != nil || string(b) != "tok\n" {
		t.Fatalf("%q %v", b, err)
	}
}

func TestReadFileCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := safeio.ReadFile(ctx, "/etc/hostname", safeio.Config); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

func TestOpenFIFOCancelledWhileWaitingForWriter(t *testing.T) {
	p := mkfifo(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := safeio.Open(ctx, p)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond) // let Open reach the blocking open (either way it must return)
	cancel()
	wantCanceled(t, done, "Open on a FIFO")
}

// wantCanceled waits for the blocked call to report context.Canceled.
func wantCanceled(t *testing.T, done <-chan error, what string) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: got %v", what, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not return after cancel", what)
	}
}

func TestOpenFIFOReadCancelled(t *testing.T) {
	p := mkfifo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := make(chan *os.File, 1)
	go func() {
		f, _ := os.OpenFile(p, os.O_WRONLY, 0)
		w <- f
	}()
	r, err := safeio.Open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wf := <-w
	defer wf.Close()
	wf.Write([]byte("hello\n"))
	buf := make([]byte, 6)
	if _, err := io.ReadFull(r, buf); err != nil || string(buf) != "hello\n" {
		t.Fatalf("%q %v", buf, err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(buf)
		done <- err
	}()
	cancel()
	wantCanceled(t, done, "Read on a FIFO")
}

func TestOpenRefusesDevice(t *testing.T) {
	if _, err := safeio.Open(context.Background(), "/dev/zero"); code(err) != bberr.BadInput {
		t.Fatalf("got %v", err)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	if err := safeio.WriteFile(p, []byte("one"), 0o600, false); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v under umask 0", st.Mode())
	}
	if err := safeio.WriteFile(p, []byte("two"), 0o600, false); code(err) != bberr.Usage {
		t.Fatalf("overwrote without force: %v", err)
	}
	if err := safeio.WriteFile(p, []byte("two"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	// A symlink is followed: the target is replaced, the link kept.
	link := filepath.Join(dir, "link")
	os.Symlink("out.bin", link)
	if err := safeio.WriteFile(link, []byte("three"), 0o600, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("link replaced by a file")
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, []byte("three")) {
		t.Fatalf("target holds %q", b)
	}
	for _, c := range []struct {
		name, path string
		want       bberr.Code
	}{
		{"device", "/dev/null", bberr.BadInput},
		{"directory", dir, bberr.BadInput},
		{"fifo", mkfifo(t), bberr.BadInput},
		{"no-dir", filepath.Join(dir, "missing", "x"), bberr.BadInput},
	} {
		if err := safeio.WriteFile(c.path, []byte("x"), 0o600, true); code(err) != c.want || bberr.HintOf(err) == "" {
			t.Errorf("%s: got %v (code %d)", c.name, err, code(err))
		}
		if err := safeio.CheckWritable(c.path, true); code(err) != c.want {
			t.Errorf("%s: CheckWritable %v", c.name, err)
		}
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatal("/dev/null was replaced")
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "trace.txt")
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	f, err := safeio.Create(context.Background(), p, 0o600, false)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	if _, err := safeio.Create(context.Background(), p, 0o600, false); code(err) != bberr.Usage {
		t.Fatalf("exclusive create of an existing file: %v", err)
	}
	if f, err := safeio.Create(context.Background(), p, 0o600, true); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	if _, err := safeio.Create(context.Background(), dir, 0o600, true); code(err) != bberr.BadInput {
		t.Fatalf("directory: %v", err)
	}
	if f, err := safeio.Create(context.Background(), "/dev/null", 0o600, false); err != nil {
		t.Fatalf("/dev/null: %v", err)
	} else {
		f.Close()
	}
	// A FIFO with no reader: waiting is cancellable.
	fifo := mkfifo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := safeio.Create(ctx, fifo, 0o600, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("fifo: %v", err)
	}
}

func TestDecodeText(t *testing.T) {
	le := []byte{0xFF, 0xFE, 'a', 0, 'b', 0, '\r', 0, '\n', 0}
	for _, c := range []struct {
		in        []byte
		want, enc string
	}{
		{[]byte("plain\n"), "plain\n", ""},
		{[]byte("\xEF\xBB\xBFbom"), "bom", "UTF-8 with BOM"},
		{le, "ab\r\n", "UTF-16LE"},
		{[]byte{0xFE, 0xFF, 0, 'a', 0, 'b'}, "ab", "UTF-16BE"},
		{le[2:], "ab\r\n", "UTF-16LE"},
		{[]byte{0, 'a', 0, 'b'}, "ab", "UTF-16BE"},
	} {
		got, enc := safeio.DecodeText(c.in)
		if string(got) != c.want || enc != c.enc {
			t.Errorf("%q: %q %q, want %q %q", c.in, got, enc, c.want, c.enc)
		}
	}
}

// FuzzDecodeText: any bytes: never a panic, valid UTF-8 out for UTF-16
// input, and plain text passes unchanged.
func FuzzDecodeText(f *testing.F) {
	f.Add([]byte("plain\n"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, '\n', 0})
	f.Add([]byte{0xFE, 0xFF, 0xD8, 0x00})
	f.Add([]byte{0, 'a', 0, 'b'})
	f.Fuzz(func(t *testing.T, b []byte) {
		text, enc := safeio.DecodeText(b)
		switch enc {
		case "":
			if !bytes.Equal(text, b) {
				t.Fatal("plain text changed")
			}
		case "UTF-16LE", "UTF-16BE":
			if !utf8.Valid(text) {
				t.Fatalf("invalid UTF-8 from %s", enc)
			}
		}
	})
}
