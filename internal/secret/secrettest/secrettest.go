// Package secrettest checks that a secret type never prints its text. The
// secret types (blynk.Token, firmware.Secret) and internal/secret test
// through it, so every one is checked against the same list of printing
// paths; a path added here is checked for all of them.
package secrettest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Printed returns every form in which v can reach a user or a log: all fmt
// verbs (alone, inside a struct, behind a pointer), JSON (alone and as a
// field), MarshalText when v has it, and log/slog's JSON and text handlers.
func Printed(t testing.TB, v any) []string {
	t.Helper()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, v))
	}
	outs = append(outs, fmt.Sprint(struct{ V any }{v}), fmt.Sprintf("%+v", &struct{ V any }{v}), fmt.Sprintf("%#v", []any{v}))
	for _, j := range []any{v, struct{ V any }{v}, map[string]any{"k": v}} {
		b, err := json.Marshal(j)
		if err != nil {
			t.Fatalf("json: %v", err)
		}
		outs = append(outs, string(b))
	}
	if m, ok := v.(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText: %v", err)
		}
		outs = append(outs, string(b))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
	return append(outs, buf.String())
}

// NeverPrinted fails t if any printed form of v contains text, or its first
// eight bytes (a partial leak is a leak too).
func NeverPrinted(t testing.TB, v any, text string) {
	t.Helper()
	probe := text
	if len(probe) > 8 {
		probe = probe[:8]
	}
	for _, o := range Printed(t, v) {
		if strings.Contains(o, probe) {
			t.Fatalf("secret leaked: %q", o)
		}
	}
}
