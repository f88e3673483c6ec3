// Package demo plays the forum story behind `blynkbridge demo`: a simulated
// WeMos D1 mini (sim) on a real pseudo-terminal, a local Blynk server over
// TLS (blynk/blynktest) with a fresh certificate for DNS name "localhost"
// only, and the monitor engine on the pty. The board's flash holds a real
// Arduino image built from the firmware fixture (ForumImage): a Blynk
// 0.4.x SSL sketch that passes IPAddress(127,0,0,1) and a fingerprint
// literal pasted with an invisible U+200E, so it prints "Certificate
// doesn't match" and "Login timeout". PlanFix finds both causes by scanning
// the image (firmware.Fingerprints, firmware.FindConfig) and patches the
// clean fingerprint and the host name into the config block
// (firmware.Patch); Apply flashes only the changed sector through the
// monitor (Engine.Flash: Borrow + flash.Flasher with the old image as
// base); the board reboots and prints "Ready (ping: Nms).".
//
// RunPlain tells the story as lines (CI, screenshots); Console is the
// TUI's controller for the same story (the f key applies the fix). Story
// decides from decoded events when the failure has shown and when the
// board is ready, for both.
//
// It owns the orchestration only: it does not simulate (sim, sim/blynkfw),
// decode (decode), patch (firmware), flash (flash) or render (tui).
package demo
