package doctor

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/daemon"
)

func TestCheckDaemon(t *testing.T) {
	cases := []struct {
		v    DaemonView
		want Status
		text string
	}{
		{DaemonView{Err: daemon.ErrNoDaemon}, Info, "no blynkbridge daemon running"},
		{DaemonView{Err: fmt.Errorf("%w (/run/blynkbridge/daemon.sock)", daemon.ErrNotYours)}, Warn, "belongs to another user"},
		{DaemonView{Err: fmt.Errorf("EOF")}, Fail, "does not answer"},
		{DaemonView{Socket: "/run/x.sock", Boards: []daemon.BoardStatus{{Name: "d1", State: "running"}}}, OK, "owns 1 board(s): d1 (running)"},
		{DaemonView{Socket: "/run/x.sock", Boards: []daemon.BoardStatus{{Name: "d1", State: daemon.StateAbsent, Port: "/dev/ttyUSB0"}}}, Warn, "d1 is absent"},
		{DaemonView{Socket: "/run/x.sock", Boards: []daemon.BoardStatus{{Name: "d1", State: "running",
			RawLog: daemon.BoardStatus{}.RawLog}}}, OK, ""},
	}
	cases[5].v.Boards[0].RawLog.Error = "write raw.log: no space left on device"
	cases[5].want, cases[5].text = Warn, "no space left"
	for i, c := range cases {
		fs := checkDaemon(c.v)
		all, has := "", false
		for _, f := range fs {
			all += string(f.Status) + " " + f.Summary + "\n"
			has = has || f.Status == c.want
		}
		if !has || !strings.Contains(all, c.text) {
			t.Errorf("case %d: want %s %q, got %q", i, c.want, c.text, all)
		}
	}
}

func TestDaemonUnit(t *testing.T) {
	b, err := os.ReadFile("../../packaging/systemd/blynkbridge.service")
	if err != nil {
		t.Fatal(err)
	}
	relay, err := os.ReadFile("../../packaging/systemd/blynkbridge-relay@.service")
	if err != nil {
		t.Fatal(err)
	}
	// Hardened as the relay unit: every hardening line of it is here too.
	inHardening := false
	for _, line := range strings.Split(string(relay), "\n") {
		if strings.HasPrefix(line, "# Hardening") {
			inHardening = true
		}
		if strings.HasPrefix(line, "[Install]") {
			inHardening = false
		}
		if inHardening && line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(string(b), line+"\n") {
			t.Errorf("daemon unit lacks the relay unit's %q", line)
		}
	}
	for _, want := range []string{"ExecStart=/usr/bin/blynkbridge daemon --socket /run/blynkbridge/daemon.sock $BLYNKBRIDGE_DAEMON_ARGS",
		"RuntimeDirectory=blynkbridge", "RuntimeDirectoryMode=0700", "StateDirectory=blynkbridge", "Restart=on-failure"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("unit lacks %s", want)
		}
	}
	if !strings.Contains(string(b), daemon.SystemSocket) {
		t.Errorf("unit does not use the socket clients look for (%s)", daemon.SystemSocket)
	}
}

// A port the daemon holds is not "busy" in the sense the generic fix
// means (kill it): doctor says the daemon owns it.
func TestDaemonHoldsPort(t *testing.T) {
	fs := []Finding{
		{ID: "port-busy", Status: Warn, Summary: "/dev/ttyUSB0 is open in blynkbridge (pid 812)", Fix: "kill 812"},
		{ID: "port-busy", Status: Warn, Summary: "/dev/ttyUSB1 is open in minicom (pid 900)", Fix: "kill 900"},
	}
	daemonHolds(fs, DaemonView{Socket: "/run/x.sock", PID: 812})
	if fs[0].Status != OK || !strings.Contains(fs[0].Summary, "/dev/ttyUSB0 is owned by the blynkbridge daemon (pid 812)") || fs[0].Fix != "" {
		t.Errorf("daemon's port: %+v", fs[0])
	}
	if fs[1].Status != Warn {
		t.Errorf("minicom's port: %+v", fs[1])
	}
}
