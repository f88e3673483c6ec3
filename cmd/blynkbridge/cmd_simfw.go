package main

import (
	"github.com/urfave/cli/v2"
)

// simFirmwareFlags are the `sim` flags that choose and configure the
// simulated board's firmware (owned by the Blynk firmware work).
func simFirmwareFlags() []cli.Flag { return nil }

// simFirmwareFromFlags returns the firmware chooser for `sim`, or nil for the
// sim's default application.
func simFirmwareFromFlags(_ *cli.Context) (any, error) { return nil, nil }
