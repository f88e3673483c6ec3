package secret_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/secret"
)

const tok = "Xq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ"

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"login " + tok + "\n", "login " + strings.Repeat("*", 32) + "\n"},
		{"pw=hunter22;pw=hunter22", "pw=********;pw=********"},
		{"abababab", "********"}, // overlapping occurrences of "ababab"
		{"no secret here", "no secret here"},
		{"a", "a"},
	} {
		got := string(secret.Mask([]byte(c.in), tok, "hunter22", "ababab", "x", ""))
		if got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// chunked writes data through a MaskWriter in the given chunk sizes.
func chunked(data []byte, sizes []int, secrets ...string) string {
	var out bytes.Buffer
	w := secret.NewMaskWriter(&out, secrets...)
	for i := 0; len(data) > 0; i++ {
		n := min(len(data), max(1, sizes[i%len(sizes)]))
		if k, err := w.Write(data[:n]); k != n || err != nil {
			panic("short write")
		}
		data = data[n:]
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return out.String()
}

func TestMaskWriterAcrossChunks(t *testing.T) {
	data := []byte("x" + tok + "yy\x00" + tok[:10] + "|" + tok + tok + "ababab" + "abab" + tok[:31])
	want := string(secret.Mask(data, tok, "ababab"))
	if strings.Contains(want, tok) {
		t.Fatal("Mask left the token")
	}
	for size := 1; size <= len(data); size++ {
		if got := chunked(data, []int{size}, tok, "ababab"); got != want {
			t.Fatalf("chunk size %d:\n got %q\nwant %q", size, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		sizes := []int{r.IntN(40), r.IntN(5), r.IntN(70)}
		if got := chunked(data, sizes, tok, "ababab"); got != want {
			t.Fatalf("sizes %v:\n got %q\nwant %q", sizes, got, want)
		}
	}
}

func TestMaskWriterHoldsBackOnlyAPossibleStart(t *testing.T) {
	var out bytes.Buffer
	w := secret.NewMaskWriter(&out, tok)
	w.Write([]byte("boot ok\n"))
	if out.String() != "boot ok\n" {
		t.Fatalf("held back text that cannot start a secret: %q", out.String())
	}
	w.Write([]byte("token " + tok[:5]))
	if out.String() != "boot ok\ntoken " {
		t.Fatalf("got %q", out.String())
	}
	w.Write([]byte(tok[5:] + "\n"))
	if want := "boot ok\ntoken " + strings.Repeat("*", 32) + "\n"; out.String() != want {
		t.Fatalf("got %q want %q", out.String(), want)
	}
}

func FuzzMaskWriter(f *testing.F) {
	f.Add([]byte("login "+tok+" ok"), "hunter22", uint8(3))
	f.Add([]byte("aaaaaaaaa"), "aaaa", uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, pw string, size uint8) {
		want := string(secret.Mask(data, tok, pw))
		if got := chunked(data, []int{int(size)}, tok, pw); got != want {
			t.Fatalf("chunked %q != whole %q", got, want)
		}
		if len(want) != len(data) {
			t.Fatal("length changed")
		}
		if len(pw) >= secret.MinMaskLen && !strings.ContainsRune(pw, secret.MaskByte) && strings.Contains(want, pw) {
			t.Fatalf("secret left in %q", want)
		}
	})
}
