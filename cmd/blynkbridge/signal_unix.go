//go:build !windows

package main

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyResetSignal delivers SIGUSR1 (the sim's RST button from another shell).
func notifyResetSignal(c chan<- os.Signal) { signal.Notify(c, syscall.SIGUSR1) }
