package safeio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// Kind is a kind of user-named file: what it is called in messages and how
// large it may be. The limits are far above any real file of the kind and
// far below what would hurt the machine.
type Kind struct {
	Name string // "image", "ELF file": used in messages
	Max  int64  // ReadFile refuses larger files
}

// The kinds of file blynkbridge reads whole.
var (
	Image    = Kind{"image", 16 << 20}        // the largest ESP8266 flash is 16 MiB
	ELF      = Kind{"ELF file", 64 << 20}     // debug info makes ELFs large
	Token    = Kind{"token file", 1 << 10}    // a token is 32 characters
	Password = Kind{"password file", 1 << 10} // a WPA2 passphrase is at most 63 bytes
	Config   = Kind{"config file", 1 << 20}   // profiles.toml, resume state
	Cert     = Kind{"certificate", 1 << 20}   // PEM files, pasted fingerprints
)

// chunk is how much ReadFile reads between checks of ctx.
const chunk = 1 << 20

// ReadFile reads the regular file at path, of kind k. See the package doc.
func ReadFile(ctx context.Context, path string, k Kind) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, st, err := openRegular(path, k)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The size may change under us (a growing file, /proc): read at most
	// Max+1 bytes whatever Stat said.
	buf := make([]byte, 0, min(st.Size()+1, k.Max+1))
	r := io.LimitReader(f, k.Max+1)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), len(buf)+chunk)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > k.Max {
			return nil, tooLarge(path, k)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, readError(err, path, k)
		}
	}
}

// OpenRegular opens the regular file at path, of kind k, for a reader
// that needs random access (debug/elf): the same checks as ReadFile, size
// included, without reading it. Close the result.
func OpenRegular(path string, k Kind) (*os.File, error) {
	f, _, err := openRegular(path, k)
	return f, err
}

func openRegular(path string, k Kind) (*os.File, fs.FileInfo, error) {
	f, err := openNoBlock(path)
	if err != nil {
		return nil, nil, readError(err, path, k)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, readError(err, path, k)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(path, k, st.Mode())
	}
	if st.Size() > k.Max {
		f.Close()
		return nil, nil, tooLarge(path, k)
	}
	return f, st, nil
}

// openNoBlock opens path for reading without blocking: O_NONBLOCK makes
// open() of a FIFO return at once (instead of waiting for a writer) and of
// a serial device not wait for carrier; O_NOCTTY keeps a tty from becoming
// our controlling terminal. On a regular file O_NONBLOCK changes nothing.
func openNoBlock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// Open opens path for streaming: a regular file or a named pipe. Reads
// stop with ctx.Err() when ctx is cancelled. Close the result.
func Open(ctx context.Context, path string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, readError(err, path, Kind{Name: "file"})
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, readError(err, path, Kind{Name: "file"})
	}
	switch {
	case st.Mode().IsRegular():
		return &ctxReader{ctx: ctx, f: f}, nil
	case st.Mode()&fs.ModeNamedPipe != 0:
		// A non-blocking FIFO reads EOF until a writer comes: reopen it
		// blocking (waiting for the writer), cancellably.
		f.Close()
		f, err = openWait(ctx, path, os.O_RDONLY)
		if err != nil {
			return nil, readError(err, path, Kind{Name: "file"})
		}
		return newPollReader(ctx, f), nil
	default:
		f.Close()
		return nil, notRegular(path, Kind{Name: "file"}, st.Mode())
	}
}

// openWait opens a FIFO in a goroutine (open blocks until the other end
// comes) and returns ctx.Err() if ctx ends first; other errors are
// returned as the os package gives them. The stuck open is then
// released by opening the other end ourselves, so no goroutine is left.
func openWait(ctx context.Context, path string, flag int) (*os.File, error) {
	type res struct {
		f   *os.File
		err error
	}
	ch := make(chan res, 1)
	go func() {
		f, err := os.OpenFile(path, flag|syscall.O_NOCTTY, 0)
		ch <- res{f, err}
	}()
	select {
	case r := <-ch:
		return r.f, r.err
	case <-ctx.Done():
		other := os.O_WRONLY
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			other = os.O_RDONLY
		}
		if g, err := os.OpenFile(path, other|syscall.O_NONBLOCK, 0); err == nil {
			if r := <-ch; r.f != nil {
				r.f.Close()
			}
			g.Close()
		}
		return nil, ctx.Err()
	}
}

// ctxReader checks ctx before each Read of a regular file (whose reads
// never block for long).
type ctxReader struct {
	ctx context.Context
	f   *os.File
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.f.Read(p)
}

func (r *ctxReader) Close() error { return r.f.Close() }

// pollReader reads a pipe, whose Read may block for ever; the runtime
// poller lets a deadline in the past wake it when ctx ends.
type pollReader struct {
	ctx  context.Context
	f    *os.File
	stop func() bool
}

func newPollReader(ctx context.Context, f *os.File) *pollReader {
	r := &pollReader{ctx: ctx, f: f}
	r.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(aLongTimeAgo) })
	return r
}

func (r *pollReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if err != nil && r.ctx.Err() != nil {
		return n, r.ctx.Err()
	}
	return n, err
}

func (r *pollReader) Close() error {
	r.stop()
	return r.f.Close()
}

func readError(err error, path string, k Kind) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is in our message already
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bberr.Wrap(err, bberr.BadInput, "check the path", "cannot read %s %s", k.Name, path)
	case errors.Is(err, fs.ErrPermission):
		return bberr.Wrap(err, bberr.Permission, "check the file's owner and mode (ls -l "+path+")", "cannot read %s %s", k.Name, path)
	case errors.Is(err, syscall.EISDIR):
		return bberr.New(bberr.BadInput, "give the path of a file, not a directory", "cannot read %s %s: it is a directory", k.Name, path)
	}
	return bberr.Wrap(err, bberr.BadInput, "check the path names a readable file", "cannot read %s %s", k.Name, path)
}

func notRegular(path string, k Kind, m fs.FileMode) error {
	if m.IsDir() {
		return bberr.New(bberr.BadInput, "give the path of a file, not a directory", "cannot read %s %s: it is a directory", k.Name, path)
	}
	return bberr.New(bberr.BadInput, "give the path of a regular file (copy it out of the pipe or device first)",
		"cannot read %s %s: it is %s, not a regular file", k.Name, path, describe(m))
}

func tooLarge(path string, k Kind) error {
	return bberr.New(bberr.BadInput, fmt.Sprintf("a %s is at most %s; check the path names the right file", k.Name, size(k.Max)),
		"%s %s is larger than %s", k.Name, path, size(k.Max))
}

// describe names a file type for a message.
func describe(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadAll reads r (stdin, usually) to its end, at most k.Max bytes, and
// returns ctx.Err() as soon as ctx ends even if r blocks (a terminal
// waiting for Ctrl-D): the read goes on in a goroutine that the process's
// exit ends.
func ReadAll(ctx context.Context, r io.Reader, k Kind) ([]byte, error) {
	type res struct {
		b   []byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, k.Max+1))
		ch <- res{b, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case x := <-ch:
		if x.err != nil {
			return nil, bberr.Wrap(x.err, bberr.BadInput, "", "cannot read the %s", k.Name)
		}
		if int64(len(x.b)) > k.Max {
			return nil, bberr.New(bberr.BadInput, fmt.Sprintf("give at most %s", size(k.Max)), "the %s is larger than %s", k.Name, size(k.Max))
		}
		return x.b, nil
	}
}
