//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResetSignal delivers SIGUSR1 (the sim's RST button, from another
// shell) on run and SIGUSR2 (FLASH held + RST: into the loader) on loader.
func notifyResetSignal(run, loader chan<- os.Signal) {
	signal.Notify(run, syscall.SIGUSR1)
	signal.Notify(loader, syscall.SIGUSR2)
}
