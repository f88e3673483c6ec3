//go:build !linux

package serialio

// markCloexec: only Linux gets the /proc/self/fd sweep; elsewhere a child
// process may inherit go.bug.st's descriptor (see cloexec_linux.go).
func markCloexec(string) {}
