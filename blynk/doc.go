// Package blynk is the Blynk hardware protocol: the 5-byte frame header,
// command and status codes with names, body helpers, a streaming decoder that
// resynchronises after garbage, and the Token type that cannot be printed.
//
// It is a codec only: connections live in relay, sim and blynk/blynktest.
package blynk
