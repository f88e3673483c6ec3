// Package relay carries Blynk frames between USB boards' serial ports and a
// Blynk server: what blynk-ser.sh does with socat, done so that it
// understands the traffic and survives faults.
//
// What it does, per board (a session: one goroutine owns the serial port,
// one the server connection):
//
//   - Framing: bytes from the board go through the codec's resynchronising
//     blynk.Decoder; only whole frames that pass the library's receive rules
//     are forwarded. Sketch prints, the ESP8266 ROM's boot text and noise are
//     skipped and counted (never logged: a garbled login carries the token).
//     A frame over the size limit is refused and counted in either
//     direction (toward the board the limit is its info packet's buff-in,
//     since the library drops the connection on a bigger frame).
//   - TLS: verified against the system roots or Options.CA with the host
//     name (SNI from it); or pinned (SHA-1/SHA-256 of the leaf, or an SPKI
//     pin), compared in constant time in VerifyPeerCertificate; insecure
//     only when asked, with a warning; plain TCP for legacy ports.
//   - Sessions that survive the server: the board's login (and the info
//     packet after it) is cached. When the connection drops the relay
//     reconnects with exponential backoff and jitter and replays them, so a
//     BlynkSimpleStream board - which has no idea a socket exists - goes on
//     without a reset. The answers to replayed frames are swallowed: a login
//     answer goes to the board only when the board's own login is waiting
//     for one (after a boot, a reset, its own retry, or a REDIRECT of its
//     login). While the server is away the relay answers the board's PINGs
//     itself (else the library's heartbeat timeout would reset the session
//     the replay is there to keep) and buffers its other frames up to a
//     bound, dropping the oldest beyond it with a count; after the replay
//     they are delivered in order.
//   - A fresh login from the board while a session is up means the board
//     restarted (or retried): the relay closes the server connection and
//     opens a new one carrying that login as-is, because a login must be a
//     connection's first frame and the token may have changed.
//   - REDIRECT is followed by the relay itself (stream firmware cannot):
//     it connects to the named server and sends the login there; the board
//     never sees the frame.
//   - The board being unplugged: the server connection is closed (the board
//     is offline), the port is reopened through the Opener until it is back;
//     the cached login is kept in case the board kept its power and session.
//   - Counters per board (Stats), the last error (Relay.Err; a refused token
//     is a *bberr.Error with code Auth), a frame tap for UIs (TapEvent,
//     login bodies removed), structured slog lines with tokens redacted by
//     the codec.
//
// It does not open ports by itself (it is given an Opener), parse flags or
// profiles, or render anything: cmd/blynkbridge's relay command does that.
package relay
