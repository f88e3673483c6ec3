// Package jsonout owns how blynkbridge prints an indented --json report
// (the cert, image and profile commands share it so they look alike).
package jsonout
