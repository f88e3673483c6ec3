// Package relay carries Blynk frames between a board's serial port and a
// Blynk server over TLS: whole frames only, verified TLS, reconnects with
// login replay, per-board counters and a frame tap.
//
// It does not open ports by itself (it is given a way to), and it does not
// render anything.
package relay
