// Package blynktest is a small Blynk hardware-protocol server for tests, the
// demo and desk work: TLS (a given certificate or one issued by a local CA
// from certs) or plain TCP, a set of accepted tokens, answers to LOGIN /
// HW_LOGIN, the info packet, PING and HARDWARE_SYNC, HARDWARE frames sent to
// the device on demand, dropped connections and stalls on demand, the legacy
// server's heartbeat rule, and a record of every frame for assertions (and
// as JSON lines).
//
// It is not a blynk-server replacement: no apps, no projects, no storage
// beyond the last value written to each virtual pin.
package blynktest
