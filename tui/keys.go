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
}

func newKeyMap() keyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Help:      b("?", "this help", "?"),
		Quit:      b("q", "quit", "q", "ctrl+c"),
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
	}
}

// helpGroups orders the help screen.
func (k keyMap) helpGroups() [][]key.Binding {
	return [][]key.Binding{
		{k.Reset, k.Download, k.Baud, k.Send, k.Flash, k.Save},
		{k.Pause, k.Up, k.Down, k.PgUp, k.PgDown, k.Top, k.Bottom},
		{k.Search, k.Next, k.Filter, k.Expand, k.Annotate, k.Hex},
		{k.Diagnosis, k.Crash, k.Help, k.Back, k.Quit},
	}
}
