package certs

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"sync"
	"testing"
)

// TestMain makes new keys come from testdata (see testdata/README.md), in
// turn, so consecutive keys always differ.
func TestMain(m *testing.M) {
	b, err := os.ReadFile("testdata/rsa2048-test-keys.pem")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var keys []*rsa.PrivateKey
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		keys = append(keys, k.(*rsa.PrivateKey))
	}
	var mu sync.Mutex
	next := 0
	generateKey = func() (*rsa.PrivateKey, error) {
		mu.Lock()
		defer mu.Unlock()
		k := keys[next%len(keys)]
		next++
		return k, nil
	}
	os.Exit(m.Run())
}
