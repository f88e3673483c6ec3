package testkit

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Ser2net serves the serial device dev over RFC 2217 on 127.0.0.1 with
// Debian's ser2net until the test ends, and returns "host:port". The test
// skips, saying so, when ser2net is not installed (.ci/run installs it).
func Ser2net(t testing.TB, dev string) string {
	t.Helper()
	bin, err := exec.LookPath("ser2net")
	if err != nil {
		t.Skip("ser2net is not installed (Debian package ser2net; .ci/run installs it): skipping the RFC 2217 interoperability test")
	}
	for attempt := 0; attempt < 5; attempt++ {
		addr := FreeAddr(t)
		_, port, _ := net.SplitHostPort(addr)
		// -n: foreground; -u: no UUCP lock files; -Y: the YAML config inline
		// (no /etc/ser2net.yaml). "local" ignores modem-control lines (a pty
		// has none).
		cmd := exec.Command(bin, "-n", "-u",
			"-Y", "connection: &con0",
			"-Y", "  accepter: telnet(rfc2217),tcp,127.0.0.1,"+port,
			"-Y", "  connector: serialdev,"+dev+",115200n81,local",
			"-P", t.TempDir()+"/ser2net.pid")
		var out SyncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting ser2net: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if waitListening(addr, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Signal(os.Interrupt)
				select {
				case <-exited:
				case <-time.After(3 * time.Second):
					_ = cmd.Process.Kill()
					<-exited
				}
			})
			return addr
		}
		_ = cmd.Process.Kill()
		<-exited
		if !strings.Contains(out.String(), "in use") {
			t.Fatalf("ser2net did not start listening on %s:\n%s", addr, out.String())
		}
	}
	t.Fatal("ser2net: no free port after 5 attempts")
	return ""
}

// waitListening polls for a listener at addr without connecting to it (a
// connection would make ser2net open the device): /proc/net/tcp lists it.
func waitListening(addr string, exited <-chan error) bool {
	_, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscanf(port, "%d", &p)
	want := fmt.Sprintf(":%04X 00000000:0000 0A", p)
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		b, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			// No /proc: connecting is the only way to know.
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return true
			}
			continue
		}
		if strings.Contains(string(b), want) {
			return true
		}
	}
	return false
}

// FreeAddr returns a loopback address nothing listens on right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// PySerial returns the system python3 that has Debian's pyserial
// (python3-serial), or skips the test saying what is missing. It is
// /usr/bin/python3 on purpose: another interpreter first on PATH (a venv,
// pyenv) usually lacks the package.
func PySerial(t testing.TB) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("/usr/bin/python3 is missing (Debian python3-serial; .ci/run installs it): skipping the pyserial interoperability test")
	}
	if out, err := exec.Command(py, "-c", "import serial.rfc2217").CombinedOutput(); err != nil {
		t.Skipf("pyserial is not installed for /usr/bin/python3 (Debian python3-serial; .ci/run installs it): %s", strings.TrimSpace(string(out)))
	}
	return py
}
