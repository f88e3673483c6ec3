package main

import (
	"os"
	"syscall"
)

// stopSignals end a command the way Ctrl-C does (see signal_unix.go).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// notifyResetSignal: Windows has no SIGUSR1; use the sim's keys instead.
func notifyResetSignal(_, _ chan<- os.Signal) {}
