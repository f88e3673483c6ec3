//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a command the way Ctrl-C does (exit 130, after it has
// reported what it did: a flash write's ranges and resume command): a
// closed terminal (SIGHUP) must not lose that report either.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// notifyResetSignal delivers SIGUSR1 (the sim's RST button, from another
// shell) on run and SIGUSR2 (FLASH held + RST: into the loader) on loader.
func notifyResetSignal(run, loader chan<- os.Signal) {
	signal.Notify(run, syscall.SIGUSR1)
	signal.Notify(loader, syscall.SIGUSR2)
}
