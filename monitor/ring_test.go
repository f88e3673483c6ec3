package monitor

import (
	"bytes"
	"math/rand"
	"testing"
)

func TestRingKeepsNewest(t *testing.T) {
	r := NewRing(10)
	var all []byte
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		p := make([]byte, rng.Intn(15))
		rng.Read(p)
		r.Write(p)
		all = append(all, p...)
		want := all
		if len(want) > 10 {
			want = want[len(want)-10:]
		}
		if got := r.Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("step %d: got % x want % x", i, got, want)
		}
	}
	if r.Total() != int64(len(all)) || r.Dropped() != int64(len(all)-r.Len()) {
		t.Fatal("accounting")
	}
}
