package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blynkbridge/blynkbridge/daemon"
)

// DaemonView is what the daemon check needs to know: where the daemon's
// socket is and its boards, or why it cannot be asked.
type DaemonView struct {
	Socket string
	PID    int
	Boards []daemon.BoardStatus
	Err    error // daemon.ErrNoDaemon, daemon.ErrNotYours, or a failed request
}

// askDaemon is System.Daemon in production.
func askDaemon() DaemonView {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := daemon.Connect(ctx, "")
	if err != nil {
		return DaemonView{Err: err}
	}
	v, err := c.Version(ctx)
	if err != nil {
		return DaemonView{Socket: c.Socket, Err: err}
	}
	bs, err := c.Boards(ctx)
	return DaemonView{Socket: c.Socket, PID: v.PID, Boards: bs, Err: err}
}

// daemonHolds turns "port busy" findings about ports the running daemon
// holds into what they are: the daemon owning its boards, which commands
// reach through it (killing it, as the generic fix says, is not the fix).
func daemonHolds(fs []Finding, v DaemonView) {
	if v.Err != nil || v.PID == 0 {
		return
	}
	mark := fmt.Sprintf("(pid %d)", v.PID)
	for i, f := range fs {
		if f.ID == "port-busy" && f.Status == Warn && strings.Contains(f.Summary, mark) && strings.Count(f.Summary, "(pid ") == 1 {
			port, _, _ := strings.Cut(f.Summary, " is open in ")
			fs[i] = Finding{ID: "port-busy", Status: OK, Summary: port + " is owned by the blynkbridge daemon " + mark,
				Detail: "monitor, flash, decode and status go through the daemon (blynkbridge status lists its boards)"}
		}
	}
}

// checkDaemon reports the daemon: not running is fine (it is optional); a
// socket this user may not use, an absent board, or a log that cannot be
// written is worth a warning.
func checkDaemon(v DaemonView) []Finding {
	switch {
	case errors.Is(v.Err, daemon.ErrNoDaemon):
		return []Finding{{ID: "daemon", Status: Info, Summary: "no blynkbridge daemon running (optional)",
			Detail: "commands open the ports themselves; a daemon keeps capturing when no terminal is open and lets several tools share a board",
			Fix:    "blynkbridge daemon, or: sudo systemctl enable --now blynkbridge"}}
	case errors.Is(v.Err, daemon.ErrNotYours):
		return []Finding{{ID: "daemon", Status: Warn, Summary: v.Err.Error(),
			Detail: "the socket is owner-only (0600); monitor and flash cannot go through the daemon and find the port busy",
			Fix:    "sudo blynkbridge status; or run the service as your user: systemctl edit blynkbridge, add User=" + "YOU"}}
	case v.Err != nil:
		return []Finding{{ID: "daemon", Status: Fail, Summary: "the daemon does not answer: " + v.Err.Error(),
			Fix: "systemctl status blynkbridge; restart it: sudo systemctl restart blynkbridge"}}
	}
	names := make([]string, len(v.Boards))
	for i, b := range v.Boards {
		names[i] = b.Name + " (" + b.State + ")"
	}
	out := []Finding{{ID: "daemon", Status: OK, Summary: fmt.Sprintf("daemon at %s owns %d board(s): %s", v.Socket, len(v.Boards), strings.Join(names, ", "))}}
	for _, b := range v.Boards {
		if b.State == daemon.StateAbsent {
			out = append(out, Finding{ID: "daemon-board", Status: Warn, Summary: "daemon board " + b.Name + " is absent (" + b.Port + ")",
				Fix: "plug it in; the daemon picks it up by itself (blynkbridge status)"})
		}
		for what, e := range map[string]string{"raw log": b.RawLog.Error, "journal": b.Journal.Error} {
			if e != "" {
				out = append(out, Finding{ID: "daemon-log", Status: Warn,
					Summary: fmt.Sprintf("daemon cannot write %s's %s: %s", b.Name, what, e),
					Detail:  "capture is held in memory (4 MiB per log) and written when possible; beyond that the oldest bytes are dropped",
					Fix:     "free space on the log disk (df -h " + b.RawLog.Path + ")"})
			}
		}
	}
	return out
}
