package main

import (
	"testing"

	"github.com/urfave/cli/v2"
)

// simFWApp has a sim command with the real command's flags; action
// stands in for runSim.
func simFWApp(action func(c *cli.Context) error) *cli.App {
	return &cli.App{Commands: []*cli.Command{{
		Name:   "sim",
		Flags:  findCommand(commands, "sim").Flags,
		Action: action,
	}}}
}

func TestSimFirmwareFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantFW  bool
		wantErr bool
	}{
		{[]string{"x", "sim"}, true, false}, // the chooser runs the demo unless flash has a config block
		{[]string{"x", "sim", "--firmware", "wifi-ssl", "--server", "localhost:9443", "--token", testToken, "--fingerprint", "AA"}, true, false},
		{[]string{"x", "sim", "--firmware", "usb-stream", "--token", testToken}, true, false},
		{[]string{"x", "sim", "--firmware", "wifi-ssl", "--token", testToken}, false, true},                                          // no server
		{[]string{"x", "sim", "--firmware", "wifi-ssl", "--server", "localhost:9443", "--token", testToken, "--by-ip"}, false, true}, // by-ip needs an IP
		{[]string{"x", "sim", "--firmware", "wifi-ssl", "--server", "h:1", "--token", testToken, "--lib", "0.6.1"}, false, true},     // not modelled
		{[]string{"x", "sim", "--firmware", "zigbee", "--token", testToken}, false, true},
	}
	for _, tc := range cases {
		var gotFW, gotFlash bool
		var gotErr error
		err := simFWApp(func(c *cli.Context) error {
			fw, err := simFirmwareFromFlags(c)
			gotFW, gotErr = fw != nil, err
			gotFlash = simFirmwareFlash(c) != nil
			return nil
		}).Run(tc.args)
		if err != nil {
			t.Fatal(err)
		}
		if gotFW != tc.wantFW || (gotErr != nil) != tc.wantErr {
			t.Errorf("%v: fw=%v err=%v", tc.args, gotFW, gotErr)
		}
		if gotFW && !gotFlash && len(tc.args) > 2 {
			t.Errorf("%v: no boot image for a blank flash", tc.args)
		}
	}
}
