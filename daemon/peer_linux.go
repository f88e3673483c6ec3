package daemon

import (
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// peerOf names the process on the other end of a Unix-socket connection
// ("pid 1234 blynkbridge"), for the journal: who flashed the board.
func peerOf(c net.Conn) string {
	if bc, ok := c.(*bufConn); ok {
		c = bc.Conn
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return c.RemoteAddr().String()
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return "unknown peer"
	}
	var cred *unix.Ucred
	_ = raw.Control(func(fd uintptr) {
		cred, err = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if err != nil || cred == nil {
		return "unknown peer"
	}
	name := ""
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cred.Pid)); err == nil {
		name = " " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("pid %d%s", cred.Pid, name)
}
