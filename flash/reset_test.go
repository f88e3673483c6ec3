package flash

import (
	"testing"
	"time"
)

func TestParseResetSequence(t *testing.T) {
	s, err := ParseResetSequence("D0|R1|W100|D1|R0|W50|D0")
	if err != nil {
		t.Fatal(err)
	}
	want := []resetStep{
		{kind: 'D'}, {kind: 'R', dtr: true, rts: true}, {kind: 'W', wait: 100 * time.Millisecond},
		{kind: 'D', dtr: true, rts: true}, {kind: 'R'}, {kind: 'W', wait: 50 * time.Millisecond}, {kind: 'D'},
	}
	if len(s.steps) != len(want) {
		t.Fatalf("steps = %+v", s.steps)
	}
	for i := range want {
		if s.steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, s.steps[i], want[i])
		}
	}
	// esptool's config-file form waits in seconds.
	s, err = ParseResetSequence("U01|W0.1|U10")
	if err != nil || s.steps[1].wait != 100*time.Millisecond || !s.steps[0].rts || s.steps[0].dtr {
		t.Fatalf("%+v %v", s.steps, err)
	}
	for _, bad := range []string{"", "X1", "D2", "W", "Wabc", "U1", "W99999", "D0||R1"} {
		if _, err := ParseResetSequence(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseBeforeAfter(t *testing.T) {
	for in, want := range map[string]Before{"default-reset": DefaultReset, "default_reset": DefaultReset, "no_reset": NoReset, "NO-RESET": NoReset} {
		if got, err := ParseBefore(in); err != nil || got != want {
			t.Errorf("ParseBefore(%q) = %v, %v", in, got, err)
		}
	}
	for in, want := range map[string]After{"hard_reset": HardReset, "soft-reset": SoftReset, "no-reset": StayInLoader} {
		if got, err := ParseAfter(in); err != nil || got != want {
			t.Errorf("ParseAfter(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBefore("usb-reset"); err == nil {
		t.Error("usb-reset accepted for an ESP8266")
	}
	if _, err := ParseAfter("watchdog-reset"); err == nil {
		t.Error("watchdog-reset accepted")
	}
}

func FuzzParseResetSequence(f *testing.F) {
	for _, s := range []string{"D0|R1|W100|D1|R0|W50|D0", "U01|W0.1|U10", "", "W1e9", "D1|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseResetSequence(s)
		if err != nil {
			return
		}
		for _, step := range st.steps {
			if step.kind == 'W' && (step.wait < 0 || step.wait > 10*time.Second) {
				t.Fatalf("wait %v accepted", step.wait)
			}
		}
	})
}
