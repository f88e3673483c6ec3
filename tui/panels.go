package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/blynkbridge/blynkbridge/decode"
	"github.com/blynkbridge/blynkbridge/monitor"
)

// CrashShownFor is how long the status bar keeps "crashed N ago" after the
// board restarted from a crash.
const CrashShownFor = time.Minute

// statusBar renders the top row: port, baud, board state, Blynk state,
// uptime, bytes/s, and the view's mode.
func statusBar(width int, st monitor.Status, s monitor.State, now time.Time, mode string) string {
	port := st.Port
	if port == "" {
		port = "(no port)"
	}
	board := string(s.Board)
	if s.Board != monitor.BoardCrashed && s.Crash != nil {
		// The restart follows a crash at once: say so for a while, or
		// the crash would never show in the bar.
		if ago := now.Sub(s.Crash.HostTime); ago >= 0 && ago < CrashShownFor {
			board += ", crashed " + fmtDuration(ago) + " ago"
		}
	}
	blynk := string(s.Blynk)
	if blynk == "" {
		blynk = "-"
	}
	if s.Blynk == monitor.BlynkCertMismatch {
		blynk = "cert mismatch"
	}
	if s.Blynk == monitor.BlynkReady && s.Ping != "" {
		blynk += " " + s.Ping
	}
	up := "-"
	if d := s.Uptime(now); d > 0 {
		up = fmtDuration(d)
	}
	parts := []string{
		fmt.Sprintf("%s @%d", strings.TrimPrefix(port, "/dev/"), st.Baud),
		board,
		"blynk: " + blynk,
		"up " + up,
		fmtRate(st.Rate),
	}
	if mode != "" {
		parts = append(parts, mode)
	}
	text := " " + strings.Join(parts, " │ ")
	text = ansi.Truncate(text, width, "…")
	if w := ansi.StringWidth(text); w < width {
		text += strings.Repeat(" ", width-w)
	}
	return stBar.Render(text)
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

func fmtRate(r float64) string {
	switch {
	case r >= 1<<20:
		return fmt.Sprintf("%.1f MB/s", r/(1<<20))
	case r >= 1<<10:
		return fmt.Sprintf("%.1f kB/s", r/(1<<10))
	}
	return fmt.Sprintf("%.0f B/s", r)
}

func sevMark(s decode.Severity) string {
	switch {
	case s >= decode.SevError:
		return stErr.Render("✗")
	case s == decode.SevWarn:
		return stWarn.Render("!")
	}
	return stInfo.Render("•")
}

// diagPanel is the compact diagnosis under the log: each problem's title
// and the command that fixes it, at most height rows.
func diagPanel(width, height int, ps []decode.Problem) []string {
	if len(ps) == 0 || height < 2 {
		return nil
	}
	rows := []string{stPanelHd.Render(ansi.Truncate(fmt.Sprintf("Diagnosis: %d problem(s)", len(ps)), width-20, "…")) + stDim.Render("   D: details")}
	shown := ps
	if room := (height - 1) / 2; len(ps) > room {
		// One row for "… N more": fewer problems fit.
		room = (height - 2) / 2
		shown = ps[:room]
	}
	for _, p := range shown {
		rows = append(rows, sevMark(p.Severity)+" "+ansi.Truncate(p.Title, width-2, "…"))
		rows = append(rows, stDim.Render(ansi.Truncate("  fix: "+p.Fix, width, "…")))
	}
	if n := len(ps) - len(shown); n > 0 {
		rows = append(rows, stDim.Render(fmt.Sprintf("  … %d more: press D", n)))
	}
	return rows
}

// diagScreen is the full diagnosis: every problem with why, fix and more.
func diagScreen(width int, ps []decode.Problem) []string {
	rows := []string{stBold.Render("Diagnosis"), ""}
	if len(ps) == 0 {
		return append(rows, "No problems seen so far.")
	}
	for _, p := range ps {
		head := p.Title
		if p.Count > 1 {
			head += fmt.Sprintf(" (seen %d times)", p.Count)
		}
		for i, l := range wrap(head, width-2) {
			if i == 0 {
				rows = append(rows, sevMark(p.Severity)+" "+stBold.Render(l))
			} else {
				rows = append(rows, "  "+stBold.Render(l))
			}
		}
		for _, l := range wrap("why: "+p.Explanation, width-4) {
			rows = append(rows, "    "+l)
		}
		for _, l := range wrap("fix: "+p.Fix, width-4) {
			rows = append(rows, "    "+stOK.Render(l))
		}
		for _, m := range p.More {
			for _, l := range wrap("also: "+m, width-4) {
				rows = append(rows, "    "+stDim.Render(l))
			}
		}
		rows = append(rows, "")
	}
	return rows
}

// crashScreen is the crash view: the dump's summary, the decoded stack and
// the explanation.
func crashScreen(width int, e *decode.Event) []string {
	if e == nil {
		return []string{stBold.Render("Crash view"), "", "No crash seen since the monitor started."}
	}
	rows := []string{stErr.Render(stBold.Render(ansi.Truncate(e.Summary, width, "…"))), ""}
	decoded := false
	for _, f := range e.Frames {
		if len(f.Loc) > 0 {
			decoded = true
		}
	}
	switch {
	case len(e.Frames) == 0:
		rows = append(rows, "No code addresses in this dump.")
	case !decoded && e.Fields["elf"] == "mismatch":
		rows = append(rows, "Addresses (not decoded: the --elf given does not match this crash, so it names nothing; see the warning below):")
	case !decoded && e.Fields["elf"] == "ok":
		rows = append(rows, "Addresses (the --elf given has no function at these addresses):")
	case !decoded:
		rows = append(rows, "Addresses (not decoded: start the monitor with --elf FW.elf, the ELF of the running sketch):")
	default:
		rows = append(rows, "Decoded stack, dump order (innermost call first):")
	}
	for _, f := range e.Frames {
		where := "?"
		if len(f.Loc) > 0 {
			var parts []string
			for _, l := range f.Loc {
				s := l.Func
				if l.File != "" {
					s += fmt.Sprintf(" at %s:%d", filepath.Base(l.File), l.Line)
				}
				parts = append(parts, s)
			}
			where = strings.Join(parts, " ← inlined in ")
		}
		rows = append(rows, ansi.Truncate(fmt.Sprintf("  %-8s 0x%08x %-5s %s", f.Source, f.Addr, f.Region, where), width, "…"))
	}
	rows = append(rows, "")
	for _, l := range wrap(e.Detail, width-2) {
		rows = append(rows, "  "+l)
	}
	return rows
}

// progressBar is a plain bar ("[#####-----]  45%  1.0/2.2 KiB").
func progressBar(width, done, total int) string {
	pct := 0.0
	if total > 0 {
		pct = float64(done) / float64(total)
	}
	tail := fmt.Sprintf(" %3.0f%%  %.1f/%.1f KiB", pct*100, float64(done)/1024, float64(total)/1024)
	n := width - 2 - len(tail)
	if n < 5 {
		n = 5
	}
	fill := int(pct*float64(n) + 0.5)
	return "[" + stOK.Render(strings.Repeat("█", fill)) + strings.Repeat("░", n-fill) + "]" + tail
}
