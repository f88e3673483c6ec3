package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

// ptyLink attaches the board's UART to a pseudo-terminal, standing in for
// the USB-serial bridge: a host opens the slave (/dev/pts/N, or the stable
// link) like /dev/ttyUSB0. The sim keeps the slave open itself so host
// programs can open and close it freely, and reads the host's line settings
// (the baud it set) from it with TCGETS2.
type ptyLink struct {
	b    *Board
	link string

	mu       sync.Mutex
	master   *os.File
	slave    *os.File
	slaveFd  int
	path     string
	out      *byteQueue
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	dead     bool          // unplugged or closed
	line     *wire         // host->board with the timing model on
	opened   chan struct{} // closed at the first host open seen (inotify)
	tracking bool          // inotify works: openers is meaningful
	openers  int           // host programs that have the slave open
	seenOpen bool
	inotify  int // inotify fd, -1 if none
}

// AttachPTY connects the board to a new pseudo-terminal and returns the
// slave path for hosts to open. With link != "", a symlink at link points
// to it (replaced atomically; re-pointed after Unplug/Replug). The pty is
// raw (no echo, no CR/LF translation) at 115200 until the host changes it.
func (b *Board) AttachPTY(link string) (string, error) {
	b.sinkMu.Lock()
	if b.pty != nil {
		b.sinkMu.Unlock()
		return "", errors.New("sim: a pty is already attached")
	}
	pl := &ptyLink{b: b, link: link}
	b.pty = pl
	b.sinkMu.Unlock()
	if err := pl.open(); err != nil {
		b.sinkMu.Lock()
		b.pty = nil
		b.sinkMu.Unlock()
		return "", err
	}
	return pl.slavePath(), nil
}

// PTYPath returns the current slave path ("" without a pty).
func (b *Board) PTYPath() string {
	b.sinkMu.Lock()
	pl := b.pty
	b.sinkMu.Unlock()
	if pl == nil {
		return ""
	}
	return pl.slavePath()
}

// WaitHostOpen returns a channel closed when a host first opens the
// current pty (nil without a pty, or when that cannot be observed).
func (b *Board) WaitHostOpen() <-chan struct{} {
	b.sinkMu.Lock()
	pl := b.pty
	b.sinkMu.Unlock()
	if pl == nil {
		return nil
	}
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.opened
}

func (pl *ptyLink) slavePath() string {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.path
}

func (pl *ptyLink) open() error {
	if pl.link != "" {
		// A new pty may get the old one's number: a host polling the link
		// could then open it before the open-watch below exists, be
		// missed, and get no output. The link reappears once it does.
		if fi, err := os.Lstat(pl.link); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			_ = os.Remove(pl.link)
		}
	}
	m, s, err := pty.Open()
	if err != nil {
		return bberr.Wrap(err, bberr.Failure, "check that /dev/ptmx is available (devpts mounted)", "sim: open pty")
	}
	// creack/pty leaves the master in blocking mode (it calls Fd()); a
	// blocking read could not be interrupted by Close. Re-wrap a
	// non-blocking duplicate so Go's poller owns it.
	mfd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err == nil {
		err = unix.SetNonblock(mfd, true)
	}
	if err != nil {
		s.Close()
		return bberr.Wrap(err, bberr.Failure, "", "sim: pty master")
	}
	master := os.NewFile(uintptr(mfd), "/dev/ptmx")
	sfd := int(s.Fd())
	if err := makeRaw(sfd, 115200); err != nil {
		master.Close()
		s.Close()
		return bberr.Wrap(err, bberr.Failure, "", "sim: set pty raw")
	}
	path := s.Name()
	ctx, cancel := context.WithCancel(context.Background())
	pl.mu.Lock()
	pl.master, pl.slave, pl.slaveFd, pl.path = master, s, sfd, path
	pl.out = newByteQueue(16 << 20)
	pl.line = newWire(pl.b.fromHost)
	pl.cancel = cancel
	pl.dead = false
	pl.opened = make(chan struct{})
	pl.tracking, pl.openers, pl.seenOpen, pl.inotify = false, 0, false, -1
	pl.mu.Unlock()
	pl.watchOpen(ctx, path)
	if pl.link != "" {
		if err := relink(pl.link, path); err != nil {
			cancel()
			master.Close()
			s.Close()
			return err
		}
	}
	pl.b.addSink(pl)
	pl.wg.Add(2)
	go pl.reader(ctx, master, pl.line)
	go pl.writer(ctx, master, pl.out)
	return nil
}

// makeRaw sets the slave side raw, 8N1, at baud, so bytes cross exactly.
func makeRaw(fd, baud int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CBAUD
	t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | unix.BOTHER
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	t.Ispeed, t.Ospeed = uint32(baud), uint32(baud)
	return unix.IoctlSetTermios(fd, unix.TCSETS2, t)
}

// relink points link at target atomically (symlink to a temp name, then
// rename over), refusing to replace anything that is not a symlink.
func relink(link, target string) error {
	if fi, err := os.Lstat(link); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return bberr.New(bberr.Usage, "choose a --link path that does not exist or is a symlink", "sim: %s exists and is not a symlink", link)
	}
	tmp := filepath.Join(filepath.Dir(link), fmt.Sprintf(".%s.%d.tmp", filepath.Base(link), os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return bberr.Wrap(err, bberr.Permission, "choose a --link path in a writable directory", "sim: create link")
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return bberr.Wrap(err, bberr.Permission, "choose a --link path in a writable directory", "sim: create link")
	}
	return nil
}

// hostBaud is the rate the host set on the pty (go.bug.st/serial and stty
// both end up in termios; TCGETS2 returns it in Ospeed, 74880 included).
func (pl *ptyLink) hostBaud() int {
	pl.mu.Lock()
	fd, dead := pl.slaveFd, pl.dead
	pl.mu.Unlock()
	if dead {
		return 0
	}
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS2)
	if err != nil || t.Ospeed == 0 {
		return 115200
	}
	return int(t.Ospeed)
}

func (pl *ptyLink) deliver(p []byte) {
	pl.mu.Lock()
	pl.pollOpenersLocked()
	q, dead := pl.out, pl.dead
	idle := pl.tracking && pl.openers == 0
	pl.mu.Unlock()
	if !dead && !idle {
		q.push(p)
	}
}

// reader takes what the host writes to the slave and hands it to the board
// after its wire time at the host's rate.
func (pl *ptyLink) reader(ctx context.Context, master *os.File, line *wire) {
	defer pl.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		if n > 0 {
			baud := pl.hostBaud()
			if pl.b.opts.Timing {
				// Booked as the bytes leave the host; the reader
				// never sleeps, so it keeps up with the host's writes.
				line.book(buf[:n], baud)
			} else {
				pl.b.fromHost(buf[:n], baud)
			}
		}
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, os.ErrClosed) {
				pl.b.log.Debug("sim: pty read", "err", err)
			}
			return
		}
	}
}

// writer copies board output into the master. A host that does not read
// fills the pty buffer; then the queue holds up to 16 MiB and drops the
// rest, as a USB-serial bridge drops what nobody collects.
func (pl *ptyLink) writer(ctx context.Context, master *os.File, q *byteQueue) {
	defer pl.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := q.read(ctx, buf, -1)
		if err != nil {
			return
		}
		if _, err := master.Write(buf[:n]); err != nil {
			return
		}
	}
}

// watchOpen uses inotify on the slave to count the host programs that
// have it open: output while nobody has the port open is dropped (a
// USB-serial driver drops what no program collects), and whatever is left
// in the pty when the last one closes is flushed, so the next program
// starts fresh instead of reading a backlog. The first open also closes
// pl.opened, for the CLI's power-on-at-open. Without inotify every byte is
// kept, as a plain pty would.
func (pl *ptyLink) watchOpen(ctx context.Context, path string) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		pl.untracked(err)
		return
	}
	if _, err := unix.InotifyAddWatch(fd, path, unix.IN_OPEN|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE); err != nil {
		unix.Close(fd)
		pl.untracked(err)
		return
	}
	pl.mu.Lock()
	pl.tracking, pl.openers, pl.inotify = true, 0, fd
	pl.mu.Unlock()
	// The kernel queues IN_OPEN before the host's open() returns, so
	// deliver polls synchronously and never drops output for a host that
	// has just opened the port. This loop only serves WaitHostOpen.
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				pl.mu.Lock()
				unix.Close(fd)
				pl.inotify = -1
				pl.tracking = false
				pl.mu.Unlock()
				return
			case <-t.C:
				pl.mu.Lock()
				pl.pollOpenersLocked()
				pl.mu.Unlock()
			}
		}
	}()
}

// untracked is watchOpen failing (inotify instances are per user and few:
// 128 by default, one per simulated pty): every byte is kept, as on a plain
// pty, and WaitHostOpen's waiters go on at once instead of forever.
func (pl *ptyLink) untracked(err error) {
	pl.b.log.Warn("sim: cannot watch the pty for opens; keeping all output", "err", err)
	pl.mu.Lock()
	if !pl.seenOpen {
		pl.seenOpen = true
		close(pl.opened)
	}
	pl.mu.Unlock()
}

// pollOpenersLocked reads pending inotify events without blocking.
func (pl *ptyLink) pollOpenersLocked() {
	if pl.inotify < 0 {
		return
	}
	var buf [1024]byte
	for {
		n, err := unix.Read(pl.inotify, buf[:])
		if err != nil || n <= 0 {
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			off += unix.SizeofInotifyEvent + nameLen
			switch {
			case mask&unix.IN_OPEN != 0:
				pl.openers++
				if !pl.seenOpen {
					pl.seenOpen = true
					close(pl.opened)
				}
			case mask&(unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE) != 0 && pl.openers > 0:
				pl.openers--
				// inotify merges identical events still unread: two opens
				// in a row (serialio opens a port twice) can count as one.
				// Before calling the port unused, look for a program that
				// still has it open.
				if pl.openers == 0 && slaveOpenElsewhere(pl.path, pl.slaveFd) {
					pl.openers = 1
				}
				if pl.openers == 0 && !pl.dead {
					pl.out.clear()
					_ = unix.IoctlSetInt(pl.slaveFd, unix.TCFLSH, unix.TCIFLUSH)
					// A real tty closes fully when its last host closes,
					// which ends TIOCEXCL (go.bug.st/serial sets it); the
					// sim keeps the slave open, so end it here, or the
					// host's next open (a reconnect) gets EBUSY, "port
					// busy", when not root.
					_ = unix.IoctlSetInt(pl.slaveFd, unix.TIOCNXCL, 0)
				}
			}
		}
	}
}

// slaveOpenElsewhere reports whether any process (this one included, but
// not through the sim's own slave fd ownFd) has path open, from /proc.
func slaveOpenElsewhere(path string, ownFd int) bool {
	self := strconv.Itoa(os.Getpid())
	own := strconv.Itoa(ownFd)
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, p := range procs {
		if p.Name()[0] < '0' || p.Name()[0] > '9' {
			continue
		}
		dir := "/proc/" + p.Name() + "/fd/"
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if p.Name() == self && fd.Name() == own {
				continue
			}
			if t, err := os.Readlink(dir + fd.Name()); err == nil && t == path {
				return true
			}
		}
	}
	return false
}

func (pl *ptyLink) shutdown() {
	pl.mu.Lock()
	if pl.dead {
		pl.mu.Unlock()
		return
	}
	pl.dead = true
	master, slave, cancel, line := pl.master, pl.slave, pl.cancel, pl.line
	pl.mu.Unlock()
	pl.b.removeSink(pl)
	cancel()
	line.stop()
	master.Close() // the host sees hang-up / EIO
	slave.Close()
	pl.wg.Wait()
}

// unplug closes the pty and, as udev removes a /dev/serial/by-id link when
// a board goes, removes the link: left pointing at the closed pty, it would
// lead a host polling it to another program's pty once the kernel reuses
// the number (seen: tests of different packages opening each other's ptys).
func (pl *ptyLink) unplug() {
	pl.shutdown()
	pl.removeLink()
}

func (pl *ptyLink) removeLink() {
	if pl.link != "" {
		if target, err := os.Readlink(pl.link); err == nil && target == pl.slavePath() {
			os.Remove(pl.link)
		}
	}
}

// replug makes a new pty and re-points the link to it.
func (pl *ptyLink) replug() error {
	pl.mu.Lock()
	dead := pl.dead
	pl.mu.Unlock()
	if !dead {
		return nil
	}
	return pl.open()
}

func (pl *ptyLink) close() {
	pl.shutdown()
	pl.removeLink()
}
