//go:build !linux

package daemon

import "net"

// peerOf names the other end where the platform cannot tell its pid.
func peerOf(c net.Conn) string {
	if bc, ok := c.(*bufConn); ok {
		c = bc.Conn
	}
	if a := c.RemoteAddr(); a != nil && a.String() != "" {
		return a.String()
	}
	return "local client"
}
