package secret_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/secret"
	"github.com/blynkbridge/blynkbridge/internal/secret/secrettest"
)

type hidden struct{}

func (hidden) Redact(s string) string { return fmt.Sprintf("<hidden, %d bytes>", len(s)) }

// wrapped is how callers use Value: embedded in their own named type.
type wrapped struct{ secret.Value[hidden] }

func TestEveryPrintedFormRedacts(t *testing.T) {
	const text = "correct-horse-battery"
	w := wrapped{secret.New[hidden](text)}
	secrettest.NeverPrinted(t, w, text)
	secrettest.NeverPrinted(t, w.Value, text)
	secrettest.NeverPrinted(t, &w, text)
	if !strings.Contains(fmt.Sprint(w), "<hidden, 21 bytes>") {
		t.Fatalf("redactor not used: %v", w)
	}
	if w.Reveal() != text || w.IsZero() || !(wrapped{}).IsZero() {
		t.Fatal("Reveal/IsZero")
	}
	if w != (wrapped{secret.New[hidden](text)}) {
		t.Fatal("secrets must stay comparable")
	}
}
