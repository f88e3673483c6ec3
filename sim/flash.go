package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/blynkbridge/blynkbridge/internal/safeio"
)

// Flash geometry of the D1 mini's 4 MB SPI NOR chip (Winbond W25Q32 class).
const (
	FlashSize   = 4 << 20
	SectorSize  = 0x1000
	PageSize    = 0x100
	FlashJEDEC  = 0x001640EF // RDID as W0 reads it: mfr 0xEF, type 0x40, capacity 0x16
	sfdpMagicW0 = 0x50444653 // "SFDP" as the first SFDP word
)

// norFlash is NOR semantics: erase sets a sector to 0xFF, programming can
// only clear bits (new = old AND data). A wrong erase therefore shows up as
// corrupted data, exactly as on the chip.
type norFlash struct {
	mu    sync.Mutex
	data  []byte
	dirty bool
	file  string
}

func newFlash(init []byte, file string) (*norFlash, error) {
	return newFlashSize(FlashSize, init, file)
}

// newFlashSize makes a flash of n bytes (tests and fuzzing use small ones).
func newFlashSize(n int, init []byte, file string) (*norFlash, error) {
	f := &norFlash{data: bytes.Repeat([]byte{0xFF}, n), file: file}
	if file != "" {
		// A regular file of at most the flash's size: a FIFO or a device
		// as --flash is refused, never read for ever.
		b, err := safeio.ReadFile(context.Background(), file, safeio.Kind{Name: "flash file", Max: int64(n)})
		switch {
		case err == nil:
			copy(f.data, b)
			return f, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		f.dirty = true // a new file: write it out at the first sync
	}
	if len(init) > n {
		return nil, fmt.Errorf("initial flash content is %d bytes, larger than the 4 MiB flash", len(init))
	}
	copy(f.data, init)
	return f, nil
}

// eraseSectors erases n sectors from sector index start, clipped to the chip.
// It returns how many were erased.
func (f *norFlash) eraseSectors(start, n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	done := 0
	for s := start; s < start+n && s*SectorSize < len(f.data); s++ {
		if s < 0 {
			continue
		}
		b := f.data[s*SectorSize : min((s+1)*SectorSize, len(f.data))]
		for i := range b {
			b[i] = 0xFF
		}
		done++
	}
	if done > 0 {
		f.dirty = true
	}
	return done
}

// program ANDs p into flash at addr (clipped). It returns the number of
// 256-byte pages touched, for the timing model.
func (f *norFlash) program(addr int, p []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if addr < 0 || addr >= len(f.data) {
		return 0
	}
	if addr+len(p) > len(f.data) {
		p = p[:len(f.data)-addr]
	}
	for i, v := range p {
		f.data[addr+i] &= v
	}
	if len(p) > 0 {
		f.dirty = true
	}
	return (addr+len(p)+PageSize-1)/PageSize - addr/PageSize
}

func (f *norFlash) read(addr, n int) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]byte, n)
	for i := range out {
		out[i] = 0xFF
	}
	if addr >= 0 && addr < len(f.data) {
		copy(out, f.data[addr:])
	}
	return out
}

// size is the chip's capacity in bytes.
func (f *norFlash) size() int { return len(f.data) }

func (f *norFlash) snapshot() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.data...)
}

// sync writes the flash file if anything changed, atomically (temp+rename),
// so a crash of the sim never leaves half a flash image behind.
func (f *norFlash) sync() error {
	if f.file == "" {
		return nil
	}
	f.mu.Lock()
	if !f.dirty {
		f.mu.Unlock()
		return nil
	}
	data := append([]byte(nil), f.data...)
	f.dirty = false
	f.mu.Unlock()
	dir := filepath.Dir(f.file)
	tmp, err := os.CreateTemp(dir, ".simflash-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		f.mu.Lock()
		f.dirty = true
		f.mu.Unlock()
	}
	return err
}
