package main

import (
	"encoding/json"
	"errors"
	"strings"

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
		return bberr.New(bberr.NoResponse, daemon.StartHint(), "no blynkbridge daemon is running (looked for %s)", strings.Join(daemon.SocketCandidates(), ", "))
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
	daemon.WriteStatus(c.App.Writer, v, boards)
	return nil
}
