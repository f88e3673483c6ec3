package blynktest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/blynkbridge/blynkbridge/internal/bberr"
)

func TestParseTokens(t *testing.T) {
	const a, b = "Xq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_"
	toks, err := ParseTokens("t.txt", []byte("# desk\n"+a+"\n\n  "+b+"  \n"))
	if err != nil || len(toks) != 2 || toks[0].Reveal() != a || toks[1].Reveal() != b {
		t.Fatalf("%v %v", toks, err)
	}
	// 1 MiB of random bytes was "4029 tokens accepted": now refused, with
	// the line and without the bytes.
	junk := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	_, err = ParseTokens("junk.bin", junk)
	if bberr.CodeOf(err) != bberr.BadInput || !strings.Contains(err.Error(), "junk.bin line ") {
		t.Fatalf("got %v", err)
	}
	// Saved by PowerShell: UTF-16 with a BOM.
	u := []byte{0xFF, 0xFE}
	for _, c := range a + "\r\n" {
		u = append(u, byte(c), 0)
	}
	if toks, err := ParseTokens("ps.txt", u); err != nil || len(toks) != 1 || toks[0].Reveal() != a {
		t.Fatalf("UTF-16 file: %v %v", toks, err)
	}
	_, err = ParseTokens("t.txt", []byte(a+"\nsecret-but-short\n"))
	if err == nil || strings.Contains(err.Error(), "secret-but-short") {
		t.Fatalf("bad line accepted or echoed: %v", err)
	}
}

func TestServeNeedsATokenAndAPair(t *testing.T) {
	var out bytes.Buffer
	if err := Serve(context.Background(), ServeOptions{}, &out); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("no tokens: %v", err)
	}
	toks, _ := ParseTokens("t", []byte("Xq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ\n"))
	if err := Serve(context.Background(), ServeOptions{Tokens: toks, CertPEM: []byte("x")}, &out); bberr.CodeOf(err) != bberr.Usage {
		t.Fatalf("--cert with --no-tls: %v", err)
	}
	if err := Serve(context.Background(), ServeOptions{Tokens: toks, TLS: true, CertPEM: []byte("x"), KeyPEM: []byte("y")}, &out); bberr.CodeOf(err) != bberr.BadInput {
		t.Fatalf("bad pair: %v", err)
	}
}

// FuzzParseTokens: any bytes as a token file: never a panic, every token
// accepted has a token's shape, and an error never quotes the file.
func FuzzParseTokens(f *testing.F) {
	f.Add([]byte("# desk\nXq7vB2mN9pL4kR8sT1wY6zA3cD5fG0hJ\n"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, '\n', 0})
	f.Add([]byte("\x00\x01\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		toks, err := ParseTokens("f", data)
		if err != nil {
			if len(data) > 8 && strings.Contains(err.Error(), string(data)) {
				t.Fatalf("error quotes the file: %v", err)
			}
			return
		}
		for _, tok := range toks {
			if len(tok.Reveal()) != 32 {
				t.Fatalf("accepted %d-character token", len(tok.Reveal()))
			}
		}
	})
}
