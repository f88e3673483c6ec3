package rfc2217

// Negotiator keeps one side's telnet option state (a simplified RFC 1143:
// each request is answered once, so two peers cannot loop). Local lists
// the options this side will enable for itself (answered WILL to DO),
// Remote those it wants the peer to enable (answered DO to WILL);
// everything else is refused once.
type Negotiator struct {
	Local, Remote []byte

	will, do, refused map[byte]bool
}

func (n *Negotiator) init() {
	if n.will == nil {
		n.will, n.do, n.refused = map[byte]bool{}, map[byte]bool{}, map[byte]bool{}
	}
}

func has(set []byte, o byte) bool {
	for _, c := range set {
		if c == o {
			return true
		}
	}
	return false
}

// Hello is what a side sends first: WILL for each Local option, DO for
// each Remote one.
func (n *Negotiator) Hello() []byte {
	n.init()
	var b []byte
	for _, o := range n.Local {
		b = AppendNeg(b, WILL, o)
		n.will[o] = true
	}
	for _, o := range n.Remote {
		b = AppendNeg(b, DO, o)
		n.do[o] = true
	}
	return b
}

// Answer returns the reply to the peer's verb about opt (nil: none due).
func (n *Negotiator) Answer(verb, opt byte) []byte {
	n.init()
	switch verb {
	case DO:
		switch {
		case has(n.Local, opt) && !n.will[opt]:
			n.will[opt] = true
			return AppendNeg(nil, WILL, opt)
		case !has(n.Local, opt) && !n.refused[opt]:
			n.refused[opt] = true
			return AppendNeg(nil, WONT, opt)
		}
	case WILL:
		switch {
		case has(n.Remote, opt) && !n.do[opt]:
			n.do[opt] = true
			return AppendNeg(nil, DO, opt)
		case !has(n.Remote, opt) && !n.refused[opt]:
			n.refused[opt] = true
			return AppendNeg(nil, DONT, opt)
		}
	case DONT:
		if n.will[opt] {
			n.will[opt] = false
			return AppendNeg(nil, WONT, opt)
		}
	case WONT:
		if n.do[opt] {
			n.do[opt] = false
			return AppendNeg(nil, DONT, opt)
		}
	}
	return nil
}
