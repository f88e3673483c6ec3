//go:build !(linux && (amd64 || arm64 || arm || 386))

package doctor

// try74880 is not checked here: Windows and macOS drivers accept any rate
// through their own APIs, and doctor's checks are for Linux.
var try74880 func() error
