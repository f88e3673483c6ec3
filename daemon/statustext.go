package daemon

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteStatus prints `blynkbridge status` for a person: the daemon line,
// one table row per board, then each board's problems and notes.
func WriteStatus(w io.Writer, v VersionBody, boards []BoardStatus) {
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
			dash(b.Blynk), rel, b.Attached+b.RFC2217Clients)
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

// dash shows an empty cell as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
