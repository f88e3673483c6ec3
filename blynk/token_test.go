package blynk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestTokenNeverPrinted(t *testing.T) {
	const secret = "abcdefghijklmnopqrstuvwxyz012345"
	tok := NewToken(secret)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, tok))
	}
	outs = append(outs, fmt.Sprint(struct{ T Token }{tok}), fmt.Sprintf("%+v", &struct{ T Token }{tok}))
	b, _ := json.Marshal(struct{ T Token }{tok})
	outs = append(outs, string(b))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "token", tok)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "token", tok)
	outs = append(outs, buf.String())
	for _, o := range outs {
		if strings.Contains(o, secret) || strings.Contains(o, secret[:8]) {
			t.Fatalf("token leaked: %q", o)
		}
	}
	if tok.Reveal() != secret {
		t.Fatal("Reveal must return the secret")
	}
}

func TestValidateToken(t *testing.T) {
	if err := ValidateToken(NewToken(strings.Repeat("a", 32))); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 33), strings.Repeat("a", 31) + " "} {
		err := ValidateToken(NewToken(bad))
		if err == nil {
			t.Fatalf("%q accepted", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error leaks token: %v", err)
		}
	}
}
