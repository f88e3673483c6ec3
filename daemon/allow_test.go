package daemon

import (
	"net"
	"net/netip"
	"testing"
)

func TestRFC2217AddrAndAllowList(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}
	for _, c := range []struct {
		in, want string
		allow    []netip.Prefix
		ok       bool
	}{
		{"4000", "127.0.0.1:4000", nil, true},
		{":4000", "127.0.0.1:4000", nil, true},
		{"[::1]:4000", "[::1]:4000", nil, true},
		{"localhost:4000", "localhost:4000", nil, true},
		{"0.0.0.0:4000", "", nil, false},
		{"192.168.1.2:4000", "", nil, false},
		{"0.0.0.0:4000", "0.0.0.0:4000", allow, true},
		{"gateway:4000", "", allow, false},
		{"1:2:3", "", nil, false},
	} {
		got, err := CheckRFC2217Addr(c.in, c.allow)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("%q: %q, %v", c.in, got, err)
		}
	}
	d := &Daemon{cfg: Config{RFC2217Allow: allow}}
	for _, c := range []struct {
		ip string
		ok bool
	}{{"127.0.0.1", true}, {"::1", true}, {"192.168.1.77", true}, {"::ffff:192.168.1.77", true}, {"192.168.2.1", false}, {"10.0.0.1", false}} {
		if got := d.allowed(&net.TCPAddr{IP: net.ParseIP(c.ip), Port: 5000}); got != c.ok {
			t.Errorf("allowed(%s) = %v", c.ip, got)
		}
	}
}
