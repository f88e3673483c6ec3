//go:build linux

package serialio

import (
	"context"
	"testing"

	"github.com/creack/pty"
)

// Figures for the README/report, not assertions: how much Open (two
// descriptors, flock, termios, CLOEXEC sweep) and discovery cost.
func BenchmarkOpenClose(b *testing.B) {
	master, slave, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer master.Close()
	path := slave.Name()
	slave.Close()
	for b.Loop() {
		p, err := Open(context.Background(), path, 115200)
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
}

func BenchmarkList(b *testing.B) {
	for b.Loop() {
		if _, err := List(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHolders is the /proc scan behind a busy error.
func BenchmarkHolders(b *testing.B) {
	master, slave, err := pty.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer master.Close()
	defer slave.Close()
	for b.Loop() {
		holders(slave.Name())
	}
}
