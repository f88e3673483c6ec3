package main

import "os"

// notifyResetSignal: Windows has no SIGUSR1; use the sim's keys instead.
func notifyResetSignal(_, _ chan<- os.Signal) {}
