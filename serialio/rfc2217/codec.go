package rfc2217

import "encoding/binary"

// Telnet bytes (RFC 854, 855).
const (
	SE   byte = 240
	NOP  byte = 241
	SB   byte = 250
	WILL byte = 251
	WONT byte = 252
	DO   byte = 253
	DONT byte = 254
	IAC  byte = 255
)

// Telnet options this package cares about.
const (
	OptBinary  byte = 0  // RFC 856: 8-bit clean data, needed for ROM frames
	OptEcho    byte = 1  // RFC 857
	OptSGA     byte = 3  // RFC 858: suppress go-ahead
	OptComPort byte = 44 // RFC 2217
)

// COM-PORT-OPTION commands, client to server. The server answers each with
// the same value plus ServerOffset.
const (
	Signature          byte = 0
	SetBaudRate        byte = 1
	SetDataSize        byte = 2
	SetParity          byte = 3
	SetStopSize        byte = 4
	SetControl         byte = 5
	NotifyLineState    byte = 6
	NotifyModemState   byte = 7
	FlowControlSuspend byte = 8
	FlowControlResume  byte = 9
	SetLineStateMask   byte = 10
	SetModemStateMask  byte = 11
	PurgeData          byte = 12

	ServerOffset byte = 100
)

// SET-CONTROL values.
const (
	ControlRequestFlow byte = 0
	ControlNoFlow      byte = 1
	ControlXonXoff     byte = 2
	ControlHWFlow      byte = 3
	ControlBreakReq    byte = 4
	ControlBreakOn     byte = 5
	ControlBreakOff    byte = 6
	ControlDTRReq      byte = 7
	ControlDTROn       byte = 8
	ControlDTROff      byte = 9
	ControlRTSReq      byte = 10
	ControlRTSOn       byte = 11
	ControlRTSOff      byte = 12
)

// PURGE-DATA values.
const (
	PurgeReceive  byte = 1 // the access server's receive buffer (board to client)
	PurgeTransmit byte = 2
	PurgeBoth     byte = 3
)

// SET-PARITY and SET-STOPSIZE values for 8N1.
const (
	ParityNone byte = 1
	StopOne    byte = 1
)

// MaxSub bounds a subnegotiation's payload. RFC 2217's longest command is a
// signature; anything longer is cut (and flagged) rather than buffered.
const MaxSub = 256

// Kind says what a parsed Item is.
type Kind uint8

const (
	KindData Kind = iota // Data holds bytes of the serial stream
	KindNeg              // Verb (WILL/WONT/DO/DONT) about Opt
	KindSub              // a subnegotiation of Opt; Data is its payload
	KindCmd              // another telnet command (NOP, ...), Verb holds it
)

// Item is one thing parsed out of the stream. Data aliases the parser's
// buffer: it is valid until the next Feed.
type Item struct {
	Kind Kind
	Verb byte
	Opt  byte
	Data []byte
	Cut  bool // KindSub longer than MaxSub: Data holds the first MaxSub bytes
}

type state uint8

const (
	stData state = iota
	stIAC
	stNeg
	stSB
	stSBIAC
)

// Parser reads a telnet stream incrementally: feed it whatever the
// connection returned; split commands carry over to the next Feed.
type Parser struct {
	st   state
	verb byte
	opt  byte
	sub  []byte
	cut  bool
	data []byte
	out  []Item
}

// Feed parses p and returns what it completed, in stream order. Data items
// and the returned slice are reused by the next call.
func (ps *Parser) Feed(p []byte) []Item {
	ps.out = ps.out[:0]
	ps.data = ps.data[:0]
	start := 0 // data run start index into ps.data
	flush := func() {
		if len(ps.data) > start {
			ps.out = append(ps.out, Item{Kind: KindData, Data: ps.data[start:len(ps.data):len(ps.data)]})
			start = len(ps.data)
		}
	}
	for _, c := range p {
		switch ps.st {
		case stData:
			if c == IAC {
				ps.st = stIAC
				continue
			}
			ps.data = append(ps.data, c)
		case stIAC:
			switch c {
			case IAC:
				ps.data = append(ps.data, IAC)
				ps.st = stData
			case WILL, WONT, DO, DONT:
				ps.verb, ps.st = c, stNeg
			case SB:
				ps.st, ps.sub, ps.cut, ps.opt = stSB, ps.sub[:0], false, 0
				ps.verb = 0 // 0: option byte not read yet
			default:
				flush()
				ps.out = append(ps.out, Item{Kind: KindCmd, Verb: c})
				ps.st = stData
			}
		case stNeg:
			flush()
			ps.out = append(ps.out, Item{Kind: KindNeg, Verb: ps.verb, Opt: c})
			ps.st = stData
		case stSB:
			if c == IAC {
				ps.st = stSBIAC
				continue
			}
			ps.subByte(c)
		case stSBIAC:
			switch c {
			case IAC:
				ps.subByte(IAC)
				ps.st = stSB
			case SE:
				flush()
				sub := append([]byte(nil), ps.sub...)
				ps.out = append(ps.out, Item{Kind: KindSub, Opt: ps.opt, Data: sub, Cut: ps.cut})
				ps.st = stData
			default:
				// IAC x inside SB other than IAC IAC / IAC SE is a protocol
				// error; treat it as the end of the subnegotiation so a
				// broken peer cannot keep the parser in SB forever.
				flush()
				ps.out = append(ps.out, Item{Kind: KindSub, Opt: ps.opt, Data: append([]byte(nil), ps.sub...), Cut: true})
				ps.st = stIAC
				// Re-process c as the byte after IAC.
				ps.reIAC(c, flush)
			}
		}
	}
	flush()
	return ps.out
}

func (ps *Parser) reIAC(c byte, flush func()) {
	switch c {
	case WILL, WONT, DO, DONT:
		ps.verb, ps.st = c, stNeg
	case SB:
		ps.st, ps.sub, ps.cut, ps.verb = stSB, ps.sub[:0], false, 0
	default:
		flush()
		ps.out = append(ps.out, Item{Kind: KindCmd, Verb: c})
		ps.st = stData
	}
}

func (ps *Parser) subByte(c byte) {
	if ps.verb == 0 {
		ps.opt, ps.verb = c, 1
		return
	}
	if len(ps.sub) >= MaxSub {
		ps.cut = true
		return
	}
	ps.sub = append(ps.sub, c)
}

// AppendData appends p to dst with every IAC doubled.
func AppendData(dst, p []byte) []byte {
	for _, c := range p {
		if c == IAC {
			dst = append(dst, IAC)
		}
		dst = append(dst, c)
	}
	return dst
}

// AppendNeg appends IAC verb opt.
func AppendNeg(dst []byte, verb, opt byte) []byte { return append(dst, IAC, verb, opt) }

// AppendComPort appends IAC SB COM-PORT-OPTION cmd payload IAC SE, with
// IAC bytes in the payload doubled.
func AppendComPort(dst []byte, cmd byte, payload ...byte) []byte {
	dst = append(dst, IAC, SB, OptComPort, cmd)
	dst = AppendData(dst, payload)
	return append(dst, IAC, SE)
}

// Baud encodes a rate as SET-BAUDRATE's four big-endian bytes.
func Baud(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

// ParseBaud reads SET-BAUDRATE's payload (0 = "tell me the current rate").
func ParseBaud(p []byte) (int, bool) {
	if len(p) != 4 {
		return 0, false
	}
	return int(binary.BigEndian.Uint32(p)), true
}
