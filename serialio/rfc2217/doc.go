// Package rfc2217 is the wire format of RFC 2217 (Telnet Com Port Control
// Option): the telnet byte stream (IAC escaping, option negotiation,
// subnegotiation) and the COM-PORT-OPTION commands (baud, data size,
// parity, stop size, DTR/RTS/BREAK control, purge, line and modem state).
//
// It owns only bytes: Parser turns a received stream into data and
// commands (bounded: a subnegotiation longer than MaxSub is cut, never
// buffered without limit), the Append helpers build what is sent. The
// client that makes `--port rfc2217://host:port` a serialio.Port lives in
// serialio (rfc2217.go); the server that exposes a board lives in daemon.
// Both sides share this package so they cannot disagree about the format.
package rfc2217
