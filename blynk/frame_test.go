package blynk

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func unhexs(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const tok32 = "0123456789abcdef0123456789abcdef"

// Byte examples from reference §1.1, §1.2, §1.5, §3.4.
func TestMarshalReferenceExamples(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
		hex  string
		str  string
	}{
		{"login accepted", Response(1, StatusSuccess), "00 0001 00C8", "RESPONSE id=1 status=200 SUCCESS"},
		{"invalid token", Response(1, StatusInvalidToken), "00 0001 0009", "RESPONSE id=1 status=9 INVALID_TOKEN"},
		{"vw V1 123", NewFrame(CmdHardware, 2, VirtualWrite(1, "123")), "14 0002 0008 7677 00 31 00 313233", "HARDWARE id=2 len=8 [vw 1 123]"},
		{"ping", Ping(12), "06 000C 0000", "PING id=12 len=0"},
		{"ping answer", Response(12, StatusSuccess), "00 000C 00C8", "RESPONSE id=12 status=200 SUCCESS"},
		{"vw 3 21.50", NewFrame(CmdHardware, 5, VirtualWrite(3, FormatFloat(21.5))), "14 0005 000A 7677 00 33 00 32312E3530", "HARDWARE id=5 len=10 [vw 3 21.50]"},
		{"login 0.4", Login(CmdLogin, NewToken(tok32)), "02 0001 0020" + hex.EncodeToString([]byte(tok32)), "LOGIN id=1 len=32 [<token …ef, 32 chars>]"},
		{"hw login", Login(CmdHWLogin, NewToken(tok32)), "1D 0001 0020" + hex.EncodeToString([]byte(tok32)), "HW_LOGIN id=1 len=32 [<token …ef, 32 chars>]"},
		{"redirect", NewFrame(CmdRedirect, 1, Body("10.0.0.2", "8442")), "29 0001 000D" + hex.EncodeToString([]byte("10.0.0.2\x008442")), "REDIRECT id=1 len=13 [10.0.0.2 8442]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhexs(t, tt.hex)
			got := tt.f.Marshal()
			if !bytes.Equal(got, want) {
				t.Fatalf("Marshal = % X, want % X", got, want)
			}
			if s := tt.f.String(); s != tt.str {
				t.Errorf("String = %q, want %q", s, tt.str)
			}
			back, n, err := Unmarshal(append(got, 0xAA))
			if err != nil || n != len(want) {
				t.Fatalf("Unmarshal: n=%d err=%v", n, err)
			}
			if !bytes.Equal(back.Marshal(), want) || back.Len != tt.f.Len || back.Cmd != tt.f.Cmd || back.ID != tt.f.ID {
				t.Errorf("round trip: %v", back)
			}
			if err := back.Validate(0); err != nil {
				t.Errorf("Validate: %v", err)
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	f := Login(CmdHWLogin, NewToken(tok32))
	for _, s := range []string{f.String(), fmt.Sprint(f), fmt.Sprintf("%v %+v %#v %s", f, f, f, f), fmt.Sprint([]Frame{f})} {
		if strings.Contains(s, "0123456789abcdef") {
			t.Fatalf("token leaked: %s", s)
		}
	}
	j, err := json.Marshal(f)
	if err != nil || strings.Contains(string(j), "0123456789") {
		t.Fatalf("json leaked: %s %v", j, err)
	}
	if want := `{"cmd":"HW_LOGIN","code":29,"id":1,"len":32,"body":["\u003ctoken …ef, 32 chars\u003e"]}`; string(j) != want {
		t.Errorf("json = %s\nwant   %s", j, want)
	}
	for _, l := range DumpLines(f, DumpOut, false, true) {
		if strings.Contains(l, "0123456789") {
			t.Fatalf("dump leaked: %s", l)
		}
	}
	j, _ = json.Marshal(Response(1, 200))
	if want := `{"cmd":"RESPONSE","code":0,"id":1,"status":200,"status_name":"SUCCESS"}`; string(j) != want {
		t.Errorf("json = %s", j)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		f    Frame
		max  int
		want error
	}{
		{NewFrame(CmdHardware, 0, VirtualWrite(1, "1")), 0, ErrZeroID},
		{Response(0, 200), 0, ErrZeroID},
		{NewFrame(CmdHardware, 1, make([]byte, 257)), 256, ErrTooBig},
		{NewFrame(CmdHardware, 1, make([]byte, 1024)), 0, nil},
		{NewFrame(CmdHardware, 1, make([]byte, 1025)), 0, ErrTooBig},
		{Frame{Cmd: CmdHardware, ID: 1, Len: 3, Body: []byte("ab")}, 0, ErrBodyLen},
		{Frame{Cmd: CmdResponse, ID: 1, Len: 200, Body: []byte("x")}, 0, ErrRespBody},
	}
	for i, tt := range tests {
		if err := tt.f.Validate(tt.max); !errors.Is(err, tt.want) {
			t.Errorf("%d: Validate = %v, want %v", i, err, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	for c, want := range map[Cmd]string{0: "RESPONSE", 2: "LOGIN", 6: "PING", 17: "INTERNAL", 20: "HARDWARE", 29: "HW_LOGIN", 41: "REDIRECT", 55: "DEBUG_PRINT", 64: "EVENT_LOG", 99: "CMD_99"} {
		if c.String() != want {
			t.Errorf("Cmd(%d) = %s", c, c)
		}
	}
	for s, want := range map[Status]string{200: "SUCCESS", 9: "INVALID_TOKEN", 4: "ALREADY_REGISTERED", 10: "STATUS_10", 15: "NTF_ECXEPTION"} {
		if s.String() != want {
			t.Errorf("Status(%d) = %s", s, s)
		}
	}
}

func TestBodies(t *testing.T) {
	op, err := ParsePinOp(unhexs(t, "7677 00 31 00 313233"))
	if err != nil || op.Op != "vw" || op.Pin != "1" || len(op.Values) != 1 || op.Values[0] != "123" {
		t.Fatalf("ParsePinOp = %+v, %v", op, err)
	}
	if n, a, err := op.PinNumber(); n != 1 || a || err != nil {
		t.Errorf("PinNumber = %d %v %v", n, a, err)
	}
	if n, a, _ := (PinOp{Pin: "A0"}).PinNumber(); n != 0 || !a {
		t.Errorf("A0 = %d %v", n, a)
	}
	if _, err := ParsePinOp([]byte("vw")); err == nil {
		t.Error("no pin accepted")
	}
	pm, err := ParsePinModes(Body("pm", "2", "out", "5", "in"))
	if err != nil || len(pm) != 2 || pm[1] != (PinMode{"5", "in"}) {
		t.Fatalf("pm = %v %v", pm, err)
	}
	if !bytes.Equal(PinModesBody(pm), Body("pm", "2", "out", "5", "in")) {
		t.Error("pm round trip")
	}
	info := []KV{{"ver", "0.4.10"}, {"h-beat", "10"}, {"buff-in", "1024"}, {"dev", "Arduino"}, {"build", "Nov 28 2026 10:00:00"}}
	b := KVBody(info, true)
	if b[len(b)-1] != 0 {
		t.Error("no trailing NUL")
	}
	kv, err := ParseKV(b)
	if err != nil || len(kv) != 5 {
		t.Fatalf("ParseKV = %v %v", kv, err)
	}
	if v, ok := Lookup(kv, "h-beat"); !ok || v != "10" {
		t.Error("Lookup")
	}
	if _, err := ParseKV(Body("a", "b", "c")); err == nil {
		t.Error("odd KV accepted")
	}
	if h, p, err := ParseRedirect(Body("example.com", "8080")); h != "example.com" || p != 8080 || err != nil {
		t.Error("redirect")
	}
	if h, p, err := ParseRedirect([]byte("example.com")); h != "example.com" || p != 0 || err != nil {
		t.Error("redirect no port")
	}
	for _, b := range [][]byte{nil, []byte("a"), []byte("a\x00"), []byte("\x00\x00b")} {
		if got := Body(Split(b)...); !bytes.Equal(got, b) && len(b) > 0 {
			t.Errorf("Split round trip %q -> %q", b, got)
		}
	}
}

// Dump examples from reference §1.2, §1.5, §3.4.
func TestDump(t *testing.T) {
	tests := []struct {
		f     Frame
		dir   byte
		space bool
		want  []string
	}{
		{NewFrame(CmdHardware, 2, VirtualWrite(1, "123")), DumpOut, false, []string{"<[14|00|02|00|08]vw[00]1[00]123"}},
		{NewFrame(CmdHardware, 7, VirtualWrite(12, "1")), DumpIn, false, []string{">[14|00|07|00|07]", ">vw[00]12[00]1"}},
		{Response(1, 200), DumpIn, false, []string{">[00|00|01|00|C8]"}},
		{Ping(12), DumpOut, false, []string{"<[06|00|0C|00|00]"}},
		{NewFrame(CmdHardware, 0x8A70, Body("vr", "5")), DumpIn, false, []string{">[14|8A]p[00|04]", ">vr[00]5"}},
		{NewFrame(CmdInternal, 2, make([]byte, 0x48)), DumpOut, false, nil},
		{Login(CmdHWLogin, NewToken(tok32)), DumpOut, false, []string{"<[1D|00|01|00] " + tok32}},
		{Login(CmdHWLogin, NewToken(tok32)), DumpOut, true, []string{"<[1D|00|01|00|20]" + tok32}},
	}
	for i, tt := range tests {
		got := DumpLines(tt.f, tt.dir, tt.space, false)
		if tt.want == nil {
			if !strings.HasPrefix(got[0], "<[11|00|02|00]H") {
				t.Errorf("%d: %q", i, got[0])
			}
			continue
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%d: got %q want %q", i, got, tt.want)
		}
		var raw []byte
		for _, l := range got {
			raw = append(raw, UnescapeDump(l[1:])...)
		}
		if !bytes.Equal(raw, tt.f.Marshal()) {
			t.Errorf("%d: unescape % X", i, raw)
		}
	}
	if got := UnescapeDump("[14|8A]p[00|05]"); !bytes.Equal(got, []byte{0x14, 0x8A, 'p', 0, 5}) {
		t.Errorf("unescape = % X", got)
	}
	if got := UnescapeDump("[1234] Connecting [x] [AB"); string(got) != "[1234] Connecting [x] [AB" {
		t.Errorf("literal brackets = %q", got)
	}
	if got := UnescapeDump("[0a|ff]"); !bytes.Equal(got, []byte{0x0a, 0xff}) {
		t.Errorf("lowercase = % X", got)
	}
}
