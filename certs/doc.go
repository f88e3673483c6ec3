// Package certs parses and cleans fingerprints as people paste them, formats
// them for each consumer (ESP8266 axTLS/BearSSL strings, C arrays, openssl),
// fetches and explains a server's certificate chain from an ESP8266's point
// of view, and creates a local CA and server certificates.
//
// It does not run servers (blynk/blynktest does) or talk to boards.
package certs
