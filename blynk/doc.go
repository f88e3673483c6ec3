// Package blynk is the Blynk hardware protocol codec: the 5-byte frame header
// (RESPONSE carries a status instead of a length), command and status codes
// with their library names, NUL-separated body helpers (vw/vr/dw/…, pm lists,
// key/value info packets, REDIRECT), validation by the library's receive
// rules (msg id 0, body over the buffer limit), a streaming Decoder that
// resynchronises after garbage and accounts for every byte it skips, the
// BLYNK_DEBUG dump escaping (both directions), and the Token type that
// cannot be printed. Frame.String, Format and MarshalJSON redact a login
// token.
//
// It is a codec only: connections live in relay, sim/blynkfw and
// blynk/blynktest.
package blynk
