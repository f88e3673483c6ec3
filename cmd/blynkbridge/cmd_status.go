package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/blynkbridge/blynkbridge/daemon"
	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func init() {
	register(&cli.Command{
		Name:  "status",
		Usage: "show the daemon's boards: state, last diagnosis, capture and relay counters",
		Description: `Asks the running daemon (blynkbridge daemon) for every board: its state
(running, crashed, boot loop, flashing, relaying, absent ...), port, bytes read
and logged, the live diagnosis, relay counters and log health. --json prints the
API's answer (GET /v1/boards, schema v1, docs/daemon.md).`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the daemon's JSON (schema v1)"},
		},
		Action: runStatus,
	})
}

// statusJSON is status --json.
type statusJSON struct {
	V      int                  `json:"v"`
	Daemon daemon.VersionBody   `json:"daemon"`
	Boards []daemon.BoardStatus `json:"boards"`
}

func runStatus(c *cli.Context) error {
	if c.NArg() > 0 {
		return bberr.New(bberr.Usage, "run blynkbridge status with no arguments", "status takes no arguments, got %q", c.Args().First())
	}
	cl, err := daemon.Connect(c.Context, "")
	if errors.Is(err, daemon.ErrNotYours) {
		return bberr.Wrap(err, bberr.Permission, "run it as the daemon's user (sudo blynkbridge status), or run the daemon as yourself", "cannot talk to the daemon")
	}
	if err != nil {
		return bberr.New(bberr.NoResponse, daemonHint(), "no blynkbridge daemon is running (looked for %s)", strings.Join(daemon.SocketCandidates(), ", "))
	}
	v, err := cl.Version(c.Context)
	if err != nil {
		return err
	}
	boards, err := cl.Boards(c.Context)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetEscapeHTML(false)
		return enc.Encode(statusJSON{V: 1, Daemon: v, Boards: boards})
	}
	printStatus(c.App.Writer, v, boards)
	return nil
}

func printStatus(w io.Writer, v daemon.VersionBody, boards []daemon.BoardStatus) {
	fmt.Fprintf(w, "daemon %s (pid %d) since %s, socket %s, logs in %s\n", v.Version, v.PID, v.Started, v.Socket, v.LogDir)
	if len(boards) == 0 {
		fmt.Fprintln(w, "no boards yet (plug one in, or start the daemon with --port)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BOARD\tSTATE\tPORT\tBAUD\tREAD\tLOGGED\tBLYNK\tRELAY\tCLIENTS")
	for _, b := range boards {
		where := b.Path
		if where == "" {
			where = b.Port
		}
		rel := "-"
		if b.Relay != nil {
			rel = fmt.Sprintf("%s up %d/down %d", b.Relay.State, b.Relay.FramesUp, b.Relay.FramesDown)
		}
		state := b.State
		if b.LentTo != "" {
			state += " (" + b.LentTo + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%d\n", b.Name, state, where, b.Baud, b.BytesIn, b.BytesLog,
			statusDash(b.Blynk), rel, b.Attached+b.RFC2217Clients)
	}
	tw.Flush()
	for _, b := range boards {
		var notes []string
		for _, p := range b.Problems {
			notes = append(notes, fmt.Sprintf("%s: %s", p.Severity, p.Title))
		}
		if b.RelayError != "" {
			notes = append(notes, "relay: "+b.RelayError)
		}
		for _, h := range []struct {
			what string
			e    string
		}{{"raw log", b.RawLog.Error}, {"journal", b.Journal.Error}} {
			if h.e != "" {
				notes = append(notes, fmt.Sprintf("%s cannot be written (%s); held in memory and retried", h.what, h.e))
			}
		}
		if b.RFC2217 != "" {
			notes = append(notes, "RFC 2217 at rfc2217://"+b.RFC2217)
		}
		if len(notes) > 0 {
			fmt.Fprintf(w, "%s:\n  %s\n", b.Name, strings.Join(notes, "\n  "))
		}
	}
}

func statusDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
