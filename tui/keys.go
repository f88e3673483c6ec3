package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the monitor understands; the help screen is made
// from it, so the two cannot disagree.
type keyMap struct {
	Help, Quit                                 key.Binding
	Reset, Download, Baud                      key.Binding
	Pause, Up, Down, PgUp, PgDown, Top, Bottom key.Binding
	Search, Next, Prev, Filter                 key.Binding
	Expand, Annotate, Hex, Diagnosis, Crash    key.Binding
	Send, Flash, Save, Back                    key.Binding
	Escape, Timestamps, EOL, Echo, SendHex     key.Binding
	SendFile, Regex, Copy, DTR, RTS            key.Binding
}

func newKeyMap() keyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Help:      b("?", "this help", "?"),
		Quit:      b("q", "quit (Ctrl-C: quit, exit 130)", "q", "ctrl+c"),
		Reset:     b("r", "reset (run the sketch)", "r"),
		Download:  b("d", "reset into download mode", "d"),
		Baud:      b("b", "next baud rate", "b"),
		Pause:     b("space", "pause / follow", " ", "p"),
		Up:        b("↑/k", "scroll up (pauses)", "up", "k"),
		Down:      b("↓/j", "scroll down", "down", "j"),
		PgUp:      b("pgup", "page up", "pgup"),
		PgDown:    b("pgdn", "page down", "pgdown"),
		Top:       b("g", "oldest line", "g", "home"),
		Bottom:    b("G", "newest line, follow", "G", "end"),
		Search:    b("/", "search", "/"),
		Next:      b("n", "next match", "n"),
		Prev:      b("N", "previous match", "N"),
		Filter:    b("t", "filter: next event type", "t"),
		Expand:    b("enter", "expand the explanation", "enter"),
		Annotate:  b("a", "inline explanations on/off", "a"),
		Hex:       b("x", "hex view of raw bytes", "x"),
		Diagnosis: b("D", "diagnosis: problems + fixes", "D"),
		Crash:     b("c", "crash view: decoded stack", "c"),
		Send:      b("s", "send a line to the board", "s"),
		Flash:     b("f", "flash the image (again: resume)", "f"),
		Save:      b("w", "save the log to a file", "w"),
		Back:      b("esc", "back / hide panel", "esc"),

		Escape:     b("ctrl+t", "send the next key to the board (q, Ctrl-C, Ctrl-T...)", "ctrl+t"),
		Timestamps: b("T", "host timestamps on/off", "T"),
		EOL:        b("E", "line ending of sent text: LF, CRLF, CR, none", "E"),
		Echo:       b("L", "local echo of sent text on/off", "L"),
		SendHex:    b("H", "send raw bytes given in hex", "H"),
		SendFile:   b("U", "send (upload) a file", "U"),
		Regex:      b("|", "regex filter (empty: off)", "|"),
		Copy:       b("y", "copy the selected line in full (OSC 52)", "y"),
		DTR:        b("1", "toggle DTR", "1"),
		RTS:        b("2", "toggle RTS", "2"),
	}
}

// helpGroups orders the help screen.
func (k keyMap) helpGroups() [][]key.Binding {
	return [][]key.Binding{
		{k.Reset, k.Download, k.Baud, k.DTR, k.RTS, k.Flash, k.Save},
		{k.Send, k.SendHex, k.SendFile, k.EOL, k.Echo, k.Escape},
		{k.Pause, k.Up, k.Down, k.PgUp, k.PgDown, k.Top, k.Bottom},
		{k.Search, k.Next, k.Filter, k.Regex, k.Expand, k.Annotate, k.Hex, k.Timestamps, k.Copy},
		{k.Diagnosis, k.Crash, k.Help, k.Back, k.Quit},
	}
}
