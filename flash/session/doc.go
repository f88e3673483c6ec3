// Package session opens a board for the flash, info, read, erase and
// verify commands: it resolves the port (serialio), opens it, picks the
// stub's baud from the USB bridge chip and builds the flash.Flasher. It
// owns nothing else: the commands' work is in package flash.
package session
