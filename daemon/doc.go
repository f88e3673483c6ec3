// Package daemon is `blynkbridge daemon`: one process that owns the boards
// so that nothing they print is lost and every tool can share them.
//
// Per board (Board, one per identity; board.go) a monitor.Engine owns the
// port and follows the board across unplug/replug; one consumer writes a
// rotating raw log (host timestamps, binary Blynk logins redacted, known
// secrets masked) and a JSON-lines journal of decoded events and host
// notes, folds the board state and the live diagnosis, and fans bytes and
// records out to clients without ever waiting for them (a slow client is
// cut off, a full disk is held in memory and retried: rotate.go). With a
// relay configured, relay.Session reads the board's frames from a tap of
// the same stream.
//
// Clients (api.go): HTTP+JSON on a Unix socket (mode 0600), versioned
// /v1, NDJSON streams; attach and lend upgrade the connection to RFC 2217,
// so a monitor or flasher uses serialio's RFC 2217 client over it
// unchanged: attach is shared (the stream, the keyboard for the first
// client, resets played by the engine), lend is exclusive (capture pauses,
// the journal records who had the port). client.go is the client side the
// commands use.
//
// RFC 2217 server (rfcserver.go, reset.go): per board on --rfc2217,
// loopback unless an allow-list is given; a remote client borrows the port
// for its connection. DTR/RTS arrive as separate telnet commands, so the
// reset patterns of esptool are recognised and played locally with the
// right timing, as esptool's esp_rfc2217_server does.
//
// It does not decode (decode), read ROM frames (flash), speak Blynk
// (relay, blynk) or parse flags (cmd/blynkbridge).
package daemon
